// orochi completion bash|zsh: a script that completes commands and options, written from the command table.
import type { Command } from '../command.ts';
import { optionsOf } from '../args.ts';
import { usageError } from '../errors.ts';
import { text } from '../output.ts';

export function bashCompletion(commands: Command[]): string {
  const groups = [...new Set(commands.map((c) => c.path[0]!))];
  const subcommands = groups
    .map((g) => [g, commands.filter((c) => c.path[0] === g && c.path.length > 1).map((c) => c.path[1]!)] as const)
    .filter(([, subs]) => subs.length > 0)
    .map(([g, subs]) => `    ${g}) COMPREPLY=($(compgen -W "${subs.join(' ')}" -- "$cur")); return ;;`);
  const optionCase = (c: Command) => `    "${c.path.join(' ')}") COMPREPLY=($(compgen -W "${Object.keys(optionsOf(c)).map((o) => `--${o}`).join(' ')}" -- "$cur")); return ;;`;
  const twoWords = commands.filter((c) => c.path.length === 2).map(optionCase);
  const oneWord = commands.filter((c) => c.path.length === 1).map(optionCase);
  return `# orochi completion for bash: eval "$(orochi completion bash)"
_orochi() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    case "\${COMP_WORDS[1]} \${COMP_WORDS[2]}" in
${twoWords.join('\n')}
    esac
    case "\${COMP_WORDS[1]}" in
${oneWord.join('\n')}
    esac
    return
  fi
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${groups.join(' ')}" -- "$cur")); return
  fi
  if [[ $COMP_CWORD -eq 2 ]]; then
    case "\${COMP_WORDS[1]}" in
${subcommands.join('\n')}
    esac
  fi
}
complete -o default -F _orochi orochi
`;
}

export function zshCompletion(commands: Command[]): string {
  return `# orochi completion for zsh: eval "$(orochi completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands).split('\n').slice(1).join('\n')}`;
}

export function completionCommand(commands: () => Command[]): Command {
  return {
    path: ['completion'],
    summary: 'Print a shell completion script: eval "$(orochi completion bash)" (or zsh)',
    args: ['shell'],
    async run(_ctx, input) {
      const shell = input.args.shell;
      if (shell === 'bash') return text(null, bashCompletion(commands()));
      if (shell === 'zsh') return text(null, zshCompletion(commands()));
      throw usageError(`Completion is written for bash or zsh; got "${shell}"`);
    },
  };
}
