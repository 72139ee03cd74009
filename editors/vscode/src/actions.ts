/**
 * The code actions as data: which VS Code command runs which server command,
 * and what it asks the user first. Their titles are the server's (`codex/actions`);
 * the command palette shows the same titles from package.json, which a test keeps equal.
 *
 * The server's commands (`workspace/executeCommand`) take one argument object
 * `{uri, range, instruction?, target?}`. Explain and Translate go through the custom
 * requests `codex/explain` and `codex/translate` instead, whose answers the extension
 * shows itself, growing as the pieces of them arrive.
 */

export type Input = "instruction" | "target";

export interface Action {
  /** The VS Code command (`contributes.commands`). */
  readonly command: string;
  /** The server's `workspace/executeCommand` command. */
  readonly serverCommand: string;
  /** What to ask the user before running it, if anything. */
  readonly input?: Input;
}

export const ACTIONS: readonly Action[] = [
  { command: "codexLs.explain", serverCommand: "codex.explain" },
  { command: "codexLs.addTests", serverCommand: "codex.addTests" },
  { command: "codexLs.edit", serverCommand: "codex.edit", input: "instruction" },
  { command: "codexLs.implement", serverCommand: "codex.implement" },
  { command: "codexLs.addDocstring", serverCommand: "codex.addDocstring" },
  { command: "codexLs.addComments", serverCommand: "codex.addComments" },
  { command: "codexLs.findBugs", serverCommand: "codex.findBugs" },
  { command: "codexLs.translate", serverCommand: "codex.translate", input: "target" },
];

/** One code action as the server lists it (`codex/actions`). */
export interface ServerAction {
  readonly command: string;
  readonly title: string;
  readonly kind: string;
}

/** The request that lists the server's code actions. */
export const ACTIONS_REQUEST = "codex/actions";
/** The request that counts what became of the suggestions. */
export const STATS_REQUEST = "codex/stats";

/** The server's title of `action`, or its command when the server did not list it. */
export function titleOf(action: Action, listed: readonly ServerAction[]): string {
  return listed.find((a) => a.command === action.serverCommand)?.title ?? action.serverCommand;
}

export interface Stats {
  suggestions?: {
    since?: string;
    shown?: number;
    accepted?: number;
    partiallyAccepted?: number;
    dismissed?: number;
  };
  completions?: Record<string, number>;
}

/** One line for the user: what became of the suggestions, and the model calls. */
export function statsText(stats: Stats): string {
  const s = stats.suggestions ?? {};
  const calls = stats.completions?.model ?? 0;
  return (
    `Codex since ${s.since ?? "the start"}: ${s.shown ?? 0} shown, ${s.accepted ?? 0} accepted, ` +
    `${s.partiallyAccepted ?? 0} accepted in part, ${s.dismissed ?? 0} dismissed; ${calls} model calls`
  );
}

/** The request that returns an explanation as Markdown (`{markdown}`). */
export const EXPLAIN_REQUEST = "codex/explain";
/** The request that returns a translation (`{code, languageId}`). */
export const TRANSLATE_REQUEST = "codex/translate";
/**
 * A piece of an explanation or a translation, as `$/progress` on the request's
 * `partialResultToken` while the model writes it; the pieces join into the answer's text.
 */
export interface StreamedPiece {
  markdown?: string;
  code?: string;
}
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
