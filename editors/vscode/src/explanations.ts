/**
 * Explanations as read-only Markdown documents (`codex-ls-explanation:` URIs).
 *
 * An untitled document would do, but it counts as unsaved: closing it, or the
 * window, asks whether to save the explanation. These are views, never files.
 * Each explanation keeps its text until its document is closed.
 */
import * as path from "node:path";
import * as vscode from "vscode";

export const SCHEME = "codex-ls-explanation";

export class Explanations implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private count = 0;
  private readonly closing: vscode.Disposable;

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

  dispose(): void {
    this.closing.dispose();
    this.texts.clear();
  }
}
