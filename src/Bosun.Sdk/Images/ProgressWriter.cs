namespace Bosun.Sdk.Images;

/// <summary>The deploy's output writer, shared by the publish's two output streams and the Docker progress callbacks.</summary>
internal sealed class ProgressWriter(TextWriter output)
{
    private readonly Lock _gate = new();

    public void Line(string text)
    {
        lock (_gate)
        {
            output.WriteLine(text);
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            output.Flush();
        }
    }
}
