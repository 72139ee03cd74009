/**
 * The code actions as data: which VS Code command runs which server command,
 * and what it asks the user first.
 *
 * The server's commands (`workspace/executeCommand`) take one argument object
 * `{uri, range, instruction?, target?}`. Explain goes through the custom request
 * `codex/explain` instead, whose answer (`{markdown}`) the extension shows itself.
 */

export type Input = "instruction" | "target";

export interface Action {
  /** The VS Code command (`contributes.commands`). */
  readonly command: string;
  /** The server's `workspace/executeCommand` command. */
  readonly serverCommand: string;
  readonly title: string;
  /** What to ask the user before running it, if anything. */
  readonly input?: Input;
}

export const ACTIONS: readonly Action[] = [
  { command: "codexLs.explain", serverCommand: "codex.explain", title: "Explain" },
  { command: "codexLs.addTests", serverCommand: "codex.addTests", title: "Add tests" },
  { command: "codexLs.edit", serverCommand: "codex.edit", title: "Edit with instruction", input: "instruction" },
  { command: "codexLs.implement", serverCommand: "codex.implement", title: "Implement" },
  { command: "codexLs.addDocstring", serverCommand: "codex.addDocstring", title: "Add docstring" },
  { command: "codexLs.addComments", serverCommand: "codex.addComments", title: "Add comments" },
  { command: "codexLs.findBugs", serverCommand: "codex.findBugs", title: "Find bugs" },
  { command: "codexLs.translate", serverCommand: "codex.translate", title: "Translate", input: "target" },
];

/** The request that returns an explanation as Markdown. */
export const EXPLAIN_REQUEST = "codex/explain";
/** The server's progress notification. */
export const STATUS_NOTIFICATION = "codex/status";

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface CommandArgument {
  uri: string;
  range: Range;
  instruction?: string;
  target?: string;
}

/** The single argument object of a server command. */
export function commandArgument(action: Action, uri: string, range: Range, answer?: string): CommandArgument {
  const argument: CommandArgument = { uri, range };
  if (action.input !== undefined && answer !== undefined) {
    argument[action.input] = answer;
  }
  return argument;
}

export function prompt(input: Input): { prompt: string; placeHolder: string } {
  return input === "instruction"
    ? { prompt: "Codex: how should the selection change?", placeHolder: "e.g. use a list comprehension" }
    : { prompt: "Codex: translate the selection to which language?", placeHolder: "e.g. TypeScript" };
}
