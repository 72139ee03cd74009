/**
 * Answers to read (explanations, translations) as read-only documents (`codex-ls-explanation:` URIs).
 *
 * An untitled document would do, but it counts as unsaved: closing it, or the
 * window, asks whether to save it. These are views, never files. Each keeps
 * its text until its document is closed; while the server streams it, its text
 * grows and the open view follows (`onDidChange`).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { type LanguageClient, LSPErrorCodes, ProgressType, ResponseError } from "vscode-languageclient/node";

import { EXPLAIN_REQUEST, type StreamedPiece, TRANSLATE_REQUEST } from "./actions";

export const SCHEME = "codex-ls-explanation";
const PIECE = new ProgressType<StreamedPiece>();
/** Errors the user has already been told about: a failure the server showed, a cancel. */
const ANSWERED_ELSEWHERE: number[] = [LSPErrorCodes.RequestFailed, LSPErrorCodes.RequestCancelled];

export class Explanations implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  /** Documents whose language is being set: VS Code closes and opens them again, and their text stays. */
  private readonly reopening = new Set<string>();
  private count = 0;
  private readonly closing: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.closing = vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme === SCHEME && !this.reopening.has(document.uri.toString())) {
        this.texts.delete(document.uri.toString());
      }
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  /** A new document called `name`, holding `text`. */
  add(name: string, text: string): vscode.Uri {
    this.count += 1;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}`, query: String(this.count) });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  /** Replace the text of the document at `uri`, unless its view was closed; an open view shows it. */
  set(uri: vscode.Uri, text: string): void {
    const known = this.texts.get(uri.toString());
    if (known !== undefined && known !== text) {
      this.texts.set(uri.toString(), text);
      this.changed.fire(uri);
    }
  }

  /** Show `document` as `language` (an id VS Code knows), keeping its text. */
  async setLanguage(document: vscode.TextDocument, language: string): Promise<void> {
    const key = document.uri.toString();
    this.reopening.add(key);
    try {
      await vscode.languages.setTextDocumentLanguage(document, language);
    } finally {
      this.reopening.delete(key);
    }
  }

  dispose(): void {
    this.closing.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}

/** A request whose answer is text to read, and how its view is named and announced. */
interface Reading {
  readonly request: string;
  /** The field of the answer, and of each piece, that holds the text. */
  readonly key: keyof StreamedPiece;
  readonly name: string;
  readonly working: string;
  readonly nothing: string;
}

let requests = 0;

/**
 * Ask for the text and show it beside the code as it is written: the view opens
 * with the first words and grows with each piece (`$/progress` on the request's
 * `partialResultToken`), then holds the whole answer. Cancelling the server's
 * progress stops the model; what was shown stays.
 */
async function showStreamed(running: LanguageClient, views: Explanations, reading: Reading, params: object): Promise<void> {
  requests += 1;
  const token = `codex-read-${requests}`;
  let shown: vscode.Uri | undefined;
  let opening: Thenable<vscode.TextEditor> | undefined;
  const show = (text: string): void => {
    if (shown !== undefined) {
      views.set(shown, text);
      return;
    }
    const uri = views.add(reading.name, text);
    shown = uri;
    opening = vscode.workspace.openTextDocument(uri).then((document) =>
      vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true }),
    );
  };
  let written = "";
  const pieces = running.onProgress(PIECE, token, (value) => {
    const piece = value?.[reading.key];
    if (typeof piece === "string" && piece !== "") {
      written += piece;
      show(written);
    }
  });
  let answer: (StreamedPiece & { languageId?: string }) | null;
  try {
    // The server's own progress (a notification with Cancel) stops the model; this one is the status bar's.
    answer = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: reading.working, cancellable: false },
      () => running.sendRequest<typeof answer>(reading.request, { ...params, partialResultToken: token }),
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
  const text = answer?.[reading.key] ?? "";
  if (text === "" && shown === undefined) {
    void vscode.window.showInformationMessage(reading.nothing);
    return;
  }
  if (text !== "") {
    show(text); // the whole answer, whatever pieces arrived
  }
  const editor = await opening;
  const language = answer?.languageId;
  if (editor !== undefined && typeof language === "string" && (await vscode.languages.getLanguages()).includes(language)) {
    await views.setLanguage(editor.document, language);
  }
}

type Params = { textDocument: { uri: string }; range: unknown };

/** `codex/explain`, shown as Markdown. */
export function showExplanation(running: LanguageClient, views: Explanations, source: vscode.Uri, params: Params) {
  const name = `${path.posix.basename(source.path)} explained.md`;
  const reading = { request: EXPLAIN_REQUEST, key: "markdown", name, working: "Codex: explaining…" } as const;
  return showStreamed(running, views, { ...reading, nothing: "Codex had no explanation for this code." }, params);
}

/** `codex/translate`, shown as code in the language it was translated to. */
export function showTranslation(
  running: LanguageClient,
  views: Explanations,
  source: vscode.Uri,
  params: Params & { target: string },
) {
  const name = `${path.posix.basename(source.path)} in ${params.target}`;
  const reading = { request: TRANSLATE_REQUEST, key: "code", name, working: "Codex: translating…" } as const;
  return showStreamed(running, views, { ...reading, nothing: "Codex had no translation for this code." }, params);
}
