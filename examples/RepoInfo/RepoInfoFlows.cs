using System.ComponentModel;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Sdk;

namespace RepoInfo;

/// <summary>The tutorial's flow.</summary>
public static class RepoInfoFlows
{
    /// <summary>GET {apiUrl}/repos/{repoName} and print its stars and forks.</summary>
    [Flow("get-repo-info", LogPrints = true, Description = "Print a GitHub repository's stars and forks.")]
    public static async Task GetRepoInfo(
        [Description("owner/name of the repository")] string repoName = "PrefectHQ/prefect",
        [Description("The GitHub API, or any server that answers GET /repos/{owner}/{name} the same way")] string apiUrl = "https://api.github.com",
        CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.UserAgent.ParseAdd("bosun-repo-info/1.0");
        var url = new Uri($"{apiUrl.TrimEnd('/')}/repos/{repoName}");
        using var response = await http.GetAsync(url, cancellationToken);
        response.EnsureSuccessStatusCode();
        var repo = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Console.WriteLine($"{repoName} repository statistics 🤓:");
        Console.WriteLine($"Stars 🌠 : {repo.GetProperty("stargazers_count")}");
        Console.WriteLine($"Forks 🍴 : {repo.GetProperty("forks_count")}");
    }
}
