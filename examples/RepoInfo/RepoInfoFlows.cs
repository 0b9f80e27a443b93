using System.ComponentModel;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Sdk;

namespace RepoInfo;

/// <summary>A repository as the report keeps it.</summary>
/// <param name="FullName">owner/name.</param>
/// <param name="Stars">Its stars.</param>
/// <param name="Forks">Its forks.</param>
public sealed record Repo(string FullName, int Stars, int Forks);

/// <summary>What <see cref="RepoInfoFlows.RepoReport"/> returns.</summary>
/// <param name="Repo">The repository.</param>
/// <param name="TopContributors">Its top contributors' logins.</param>
/// <param name="Summary">One line saying both.</param>
public sealed record RepoReport(Repo Repo, IReadOnlyList<string> TopContributors, string Summary);

/// <summary>The tutorial's flow, and a second one made of tasks and a subflow.</summary>
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

    /// <summary>
    /// The repository and its top contributors, fetched by two tasks at once (each retried, timed out and cached for an
    /// hour), summed up by a subflow; returns the report, which the server keeps as the run's result.
    /// </summary>
    [Flow("repo-report", LogPrints = true, Description = "A repository's stars, forks and top contributors, through cached and retried tasks and a subflow.")]
    public static async Task<RepoReport> RepoReport(
        [Description("owner/name of the repository")] string repoName = "PrefectHQ/prefect",
        [Description("The GitHub API, or any server that answers the same way")] string apiUrl = "https://api.github.com",
        [Description("How many contributors to list")] int top = 3)
    {
        // Started together, the two tasks run concurrently; each is a task run of its own.
        var fetchingRepo = Tasks.RunAsync(() => FetchRepo(apiUrl, repoName, default));
        var fetchingContributors = Tasks.RunAsync(() => FetchContributors(apiUrl, repoName, top, default));
        var repo = await fetchingRepo;
        var contributors = await fetchingContributors;
        // A flow called from a flow: a child run of this one, in this process.
        var summary = await Flows.RunAsync(() => Summarize(repo, contributors));
        Console.WriteLine(summary);
        return new RepoReport(repo, contributors, summary);
    }

    /// <summary>GET {apiUrl}/repos/{repoName}: retried after 1, 5 and 30 s, 20 s per attempt, cached for an hour.</summary>
    [Task("fetch-repo", Retries = 3, RetryDelaySeconds = [1, 5, 30], TimeoutSeconds = 20, CacheExpirationSeconds = 3600)]
    public static async Task<Repo> FetchRepo(string apiUrl, string repoName, CancellationToken cancellationToken)
    {
        var repo = await GetJsonAsync(new Uri($"{apiUrl.TrimEnd('/')}/repos/{repoName}"), cancellationToken);
        return new Repo(repoName, repo.GetProperty("stargazers_count").GetInt32(), repo.GetProperty("forks_count").GetInt32());
    }

    /// <summary>GET {apiUrl}/repos/{repoName}/contributors: retried with exponential backoff and jitter, cached for an hour.</summary>
    [Task("fetch-contributors", Retries = 3, ExponentialBackoffSeconds = 1, RetryJitterFactor = 0.5, TimeoutSeconds = 20, CacheExpirationSeconds = 3600)]
    public static async Task<List<string>> FetchContributors(string apiUrl, string repoName, int top, CancellationToken cancellationToken)
    {
        var contributors = await GetJsonAsync(new Uri($"{apiUrl.TrimEnd('/')}/repos/{repoName}/contributors?per_page={top}"), cancellationToken);
        return contributors.EnumerateArray().Take(top).Select(c => c.GetProperty("login").GetString() ?? "?").ToList();
    }

    /// <summary>The report's line: a subflow of <see cref="RepoReport"/>, with its own run, states and result.</summary>
    [Flow("summarize-repo", Description = "One line about a repository and its top contributors.")]
    public static string Summarize(Repo repo, List<string> contributors) =>
        $"{repo?.FullName}: {repo?.Stars} stars, {repo?.Forks} forks; top contributors: {string.Join(", ", contributors ?? [])}";

    private static async Task<JsonElement> GetJsonAsync(Uri url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.UserAgent.ParseAdd("bosun-repo-info/1.0");
        using var response = await http.GetAsync(url, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }
}
