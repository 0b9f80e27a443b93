using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bosun.Cli.Output;

/// <summary>The label/value block an `inspect` command prints.</summary>
internal sealed class DetailsGrid
{
    private readonly Grid _grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();

    public DetailsGrid Add(string label, string? value) => Add(label, new Text(string.IsNullOrEmpty(value) ? "-" : value));

    public DetailsGrid Add(string label, IRenderable value)
    {
        _grid.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), value);
        return this;
    }

    public void WriteTo(IAnsiConsole console) => console.Write(_grid);
}
