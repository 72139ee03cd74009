/**
 * Explanations as read-only Markdown documents (`codex-ls-explanation:` URIs).
 *
 * An untitled document would do, but it counts as unsaved: closing it, or the
 * window, asks whether to save the explanation. These are views, never files.
 * Each explanation keeps its text until its document is closed; while the
 * server streams it, its text grows and the open view follows (`onDidChange`).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { type LanguageClient, LSPErrorCodes, ProgressType, ResponseError } from "vscode-languageclient/node";

import { EXPLAIN_REQUEST, type ExplainPartial } from "./actions";

export const SCHEME = "codex-ls-explanation";
const EXPLAIN_PARTIAL = new ProgressType<ExplainPartial>();
/** Errors of `codex/explain` the user has already been told about: a failure the server showed, a cancel. */
const ANSWERED_ELSEWHERE: number[] = [LSPErrorCodes.RequestFailed, LSPErrorCodes.RequestCancelled];

export class Explanations implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private count = 0;
  private readonly closing: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.closing = vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme === SCHEME) {
        this.texts.delete(document.uri.toString());
      }
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  /** A new document holding `markdown`, named after the file it explains. */
  add(source: vscode.Uri, markdown: string): vscode.Uri {
    this.count += 1;
    const name = `${path.posix.basename(source.path)} explained.md`;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}`, query: String(this.count) });
    this.texts.set(uri.toString(), markdown);
    return uri;
  }

  /** Replace the text of the explanation at `uri`, unless its view was closed; an open view shows it. */
  set(uri: vscode.Uri, markdown: string): void {
    const known = this.texts.get(uri.toString());
    if (known !== undefined && known !== markdown) {
      this.texts.set(uri.toString(), markdown);
      this.changed.fire(uri);
    }
  }

  dispose(): void {
    this.closing.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}

let explainCount = 0;

/**
 * Ask `codex/explain` and show the answer beside the code, as it is written: the
 * view opens with the first words and grows with each piece (`$/progress` on the
 * request's `partialResultToken`). Cancelling the server's progress stops the
 * model; what was shown stays.
 */
export async function showExplanation(
  running: LanguageClient,
  views: Explanations,
  source: vscode.Uri,
  params: { textDocument: { uri: string }; range: unknown },
): Promise<void> {
  explainCount += 1;
  const token = `codex-explain-${explainCount}`;
  let shown: vscode.Uri | undefined;
  let opening: Promise<unknown> | undefined;
  const show = (markdown: string): void => {
    if (shown !== undefined) {
      views.set(shown, markdown);
      return;
    }
    const uri = views.add(source, markdown);
    shown = uri;
    opening = Promise.resolve(vscode.workspace.openTextDocument(uri)).then((document) =>
      vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true }),
    );
  };
  let text = "";
  const pieces = running.onProgress(EXPLAIN_PARTIAL, token, (value) => {
    if (typeof value?.markdown === "string" && value.markdown !== "") {
      text += value.markdown;
      show(text);
    }
  });
  let answer: { markdown?: string } | null;
  try {
    // The server's own progress (a notification with Cancel) stops the model; this one is the status bar's.
    answer = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "Codex: explaining…", cancellable: false },
      () => running.sendRequest<{ markdown?: string } | null>(EXPLAIN_REQUEST, { ...params, partialResultToken: token }),
    );
  } catch (error) {
    // Cancelled or failed: the server has said why in a message of its own; what was shown stays.
    if (error instanceof ResponseError && ANSWERED_ELSEWHERE.includes(error.code)) {
      return;
    }
    throw error;
  } finally {
    pieces.dispose();
  }
  const markdown = answer?.markdown ?? "";
  if (markdown === "" && shown === undefined) {
    void vscode.window.showInformationMessage("Codex had no explanation for this code.");
    return;
  }
  if (markdown !== "") {
    show(markdown); // the whole answer, whatever pieces arrived
  }
  await opening;
}
