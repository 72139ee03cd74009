/**
 * The status bar item's text for the server's `codex/status` notification and
 * for the client's own state (starting, stopped).
 */

export type ServerState = "idle" | "busy" | "error";
export type ClientState = "starting" | "running" | "stopped";

export interface StatusParams {
  readonly state: ServerState;
  readonly message?: string;
}

export interface StatusView {
  /** Status bar text, with a codicon. */
  readonly text: string;
  readonly tooltip: string;
  /** Shown with the error background colour. */
  readonly error: boolean;
}

const TITLE = "Codex";

/** Parses a `codex/status` notification's params; anything malformed reads as `undefined`. */
export function parseStatus(params: unknown): StatusParams | undefined {
  if (typeof params !== "object" || params === null) {
    return undefined;
  }
  const { state, message } = params as { state?: unknown; message?: unknown };
  if (state !== "idle" && state !== "busy" && state !== "error") {
    return undefined;
  }
  return typeof message === "string" && message !== "" ? { state, message } : { state };
}

export function statusView(client: ClientState, server: StatusParams | undefined): StatusView {
  if (client === "starting") {
    return { text: `$(loading~spin) ${TITLE}`, tooltip: "codex-ls is starting", error: false };
  }
  if (client === "stopped") {
    return { text: `$(circle-slash) ${TITLE}`, tooltip: "codex-ls is not running — click to restart", error: true };
  }
  switch (server?.state) {
    case "busy":
      return { text: `$(sync~spin) ${TITLE}`, tooltip: server.message ?? "codex-ls is working", error: false };
    case "error":
      return { text: `$(error) ${TITLE}`, tooltip: server.message ?? "codex-ls reported an error", error: true };
    default:
      return { text: `$(sparkle) ${TITLE}`, tooltip: server?.message ?? "codex-ls is ready", error: false };
  }
}
