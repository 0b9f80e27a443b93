using System.CommandLine;

namespace Bosun.Cli.Commands.Completion;

/// <summary>
/// `bosun completion bash|zsh`: a shell script that asks `bosun` itself for completions through System.CommandLine's
/// <c>[suggest:POSITION]</c> directive (the protocol of dotnet-suggest), so they always match the installed version.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # bash completion for bosun. Install: bosun completion bash > ~/.local/share/bash-completion/completions/bosun
        _bosun_complete()
        {
            local line="${COMP_LINE:0:COMP_POINT}"
            line="${line#*"${COMP_WORDS[0]}"}"
            local IFS=$'\n'
            COMPREPLY=( $(command bosun "[suggest:${#line}]" "${line}" 2>/dev/null) )
        }
        complete -o default -F _bosun_complete bosun
        """;

    private const string Zsh = """
        #compdef bosun
        # zsh completion for bosun. Install: bosun completion zsh > "${fpath[1]}/_bosun"   (or: source <(bosun completion zsh))
        _bosun() {
          local line="${BUFFER[1,CURSOR]}"
          line="${line#*${words[1]}}"
          local -a candidates
          candidates=("${(@f)$(command bosun "[suggest:${#line}]" "${line}" 2>/dev/null)}")
          compadd -- "${candidates[@]}"
        }
        if (( $+functions[compdef] )); then compdef _bosun bosun; fi
        """;

    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new BosunCommand("completion",
            "Print a tab-completion script for bash or zsh.",
            "bosun completion bash > ~/.local/share/bash-completion/completions/bosun", "source <(bosun completion zsh)")
        {
            shell,
        };
        command.SetAction(parse =>
        {
            context.Output.WriteLine(parse.GetValue(shell) == "bash" ? Bash : Zsh);
            return 0;
        });
        return command;
    }
}
