/**
 * Completion scripts, one per shell. Each asks the program itself what may come next
 * (`<gwctl as typed> __complete -- <words…> <current word>`, as cobra and gh do): one
 * candidate per line, `value<TAB>description`. So the scripts never go stale, and names come
 * from Redis. Nothing offered → the shell's own file completion.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const bash = `# bash completion for gwctl. Load it in this shell:   source <(gwctl completion bash)
# or for every shell:   gwctl completion bash > ~/.local/share/bash-completion/completions/gwctl
_gwctl_complete() {
  local line words cur strip reply
  # The words up to the cursor, split on blanks only: COMP_WORDS would split llama3:8b and --o=json.
  line="\${COMP_LINE:0:COMP_POINT}"
  read -ra words <<< "$line"
  [[ "$line" == *[[:space:]] || \${#words[@]} -eq 0 ]] && words+=("")
  cur="\${words[\${#words[@]}-1]}"
  # Bash replaces only the part of the word after its last : or =, so drop what comes before.
  strip=""
  [[ "$cur" == *[:=]* ]] && strip="\${cur%"\${cur##*[:=]}"}"
  COMPREPLY=()
  while IFS= read -r reply; do
    reply="\${reply%%$'\\t'*}"
    [[ -n "$reply" ]] && COMPREPLY+=("\${reply#"$strip"}")
  done < <("\${words[0]}" __complete -- "\${words[@]:1}" 2>/dev/null)
}
complete -o default -F _gwctl_complete gwctl ops/gwctl ./ops/gwctl
`;

const zsh = `#compdef gwctl
# zsh completion for gwctl. Load it in this shell:   source <(gwctl completion zsh)
# or for every shell: save it as _gwctl in a directory of $fpath (before compinit runs).
_gwctl() {
  local -a lines candidates
  local line value desc
  lines=("\${(@f)$("\${words[1]}" __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in "\${lines[@]}"; do
    [[ -z "$line" ]] && continue
    value="\${line%%$'\\t'*}"
    desc=""
    [[ "$line" == *$'\\t'* ]] && desc="\${line#*$'\\t'}"
    candidates+=("\${value//:/\\\\:}\${desc:+:$desc}")
  done
  if (( \${#candidates} )); then
    _describe -t gwctl 'gwctl' candidates
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_gwctl" ]]; then
  _gwctl "$@"
else
  compdef _gwctl gwctl ops/gwctl ./ops/gwctl
fi
`;

const fish = `# fish completion for gwctl. Load it in this shell:   gwctl completion fish | source
# or for every shell:   gwctl completion fish > ~/.config/fish/completions/gwctl.fish
function __gwctl_complete
    set -l words (commandline -opc)
    set -l found ($words[1] __complete -- $words[2..-1] (commandline -ct) 2>/dev/null)
    if test (count $found) -gt 0
        printf '%s\\n' $found
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c gwctl -f -a '(__gwctl_complete)'
`;

/** The completion script of `shell`. */
export function completionScript(shell: Shell): string {
  return { bash, zsh, fish }[shell];
}
