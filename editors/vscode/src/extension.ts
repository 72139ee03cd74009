/**
 * The VS Code side of codex-ls: starts the server, forwards `codexLs.*` settings,
 * shows `codex/status`, and runs the code actions.
 *
 * Ghost text needs nothing here: vscode-languageclient 11 registers the server's
 * `textDocument/inlineCompletion` as an inline completion provider by itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import {
  type Action,
  ACTIONS,
  ACTIONS_REQUEST,
  commandArgument,
  prompt,
  type ServerAction,
  STATS_REQUEST,
  type Stats,
  statsText,
  STATUS_NOTIFICATION,
  titleOf,
} from "./actions";
import { Explanations, SCHEME as EXPLANATION_SCHEME, showExplanation, showTranslation } from "./explanations";
import { findServer } from "./serverPath";
import { needsRestart, serverSettingKeys, toServerSettings } from "./settings";
import { type ClientState, parseStatus, type StatusParams, statusView } from "./status";

const SECTION = "codexLs";
const PYTHON_EXTENSION = "ms-python.python";
const SET_PATH = "Set codexLs.server.path";
const SELECT_INTERPRETER = "Select Python Interpreter";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;
let statusItem: vscode.StatusBarItem | undefined;
let serverStatus: StatusParams | undefined;
let explanations: Explanations | undefined;
/** The server's code actions, as it listed them once it started. */
let serverActions: ServerAction[] = [];
/** The server's settings declared in package.json, below `codexLs.`. */
let settingKeys: string[] = [];

function serverSettings(): ReturnType<typeof toServerSettings> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return toServerSettings(settingKeys, (key) => config.get(key));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function showStatus(state: ClientState): void {
  if (statusItem === undefined) {
    return;
  }
  const view = statusView(state, serverStatus);
  statusItem.text = view.text;
  statusItem.tooltip = view.tooltip;
  statusItem.backgroundColor = view.error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  statusItem.command = state === "stopped" ? "codexLs.restart" : "codexLs.showOutput";
  statusItem.show();
}

function clientState(state: State): ClientState {
  return state === State.Running ? "running" : state === State.Starting ? "starting" : "stopped";
}

/** The Python extension's API, as far as it is used here (see @vscode/python-extension). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const python = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (python === undefined) {
    return undefined;
  }
  try {
    return python.isActive ? python.exports : await python.activate();
  } catch (error) {
    output?.warn(`the Python extension did not activate: ${String(error)}`);
    return undefined;
  }
}

/** The selected interpreter: the Python extension's choice, else `python.defaultInterpreterPath`. */
async function selectedInterpreter(): Promise<string | undefined> {
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const chosen = (await pythonApi())?.environments?.getActiveEnvironmentPath?.(resource)?.path;
  if (typeof chosen === "string" && chosen !== "") {
    return chosen;
  }
  const configured = vscode.workspace.getConfiguration("python", resource).get<string>("defaultInterpreterPath");
  return configured !== undefined && configured !== "" ? configured : undefined;
}

async function startClient(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const lookup = findServer({
    configured: config.get<string>("server.path") ?? "",
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    pathVariable: process.env.PATH,
    platform: process.platform,
    home: os.homedir(),
    isExecutable,
    pythonInterpreter: await selectedInterpreter(),
  });
  if (!lookup.found) {
    showStatus("stopped");
    output?.warn(lookup.message);
    const choices = vscode.extensions.getExtension(PYTHON_EXTENSION) ? [SELECT_INTERPRETER, SET_PATH] : [SET_PATH];
    void vscode.window.showErrorMessage(lookup.message, ...choices).then((choice) => {
      if (choice === SET_PATH) {
        // In a remote window (Remote-SSH, code-server) the path belongs to the remote
        // machine: the User tab does not list a machine-scoped setting there.
        const settings = vscode.env.remoteName ? "workbench.action.openRemoteSettings" : "workbench.action.openSettings";
        void vscode.commands.executeCommand(settings, { query: "codexLs.server.path" });
      } else if (choice === SELECT_INTERPRETER) {
        void vscode.commands.executeCommand("python.setInterpreter");
      }
    });
    return;
  }
  output?.info(`Starting ${lookup.command} (from ${lookup.source})`);
  const serverOptions: ServerOptions = {
    command: lookup.command,
    args: config.get<string[]>("server.args") ?? [],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    initializationOptions: serverSettings(),
    outputChannel: output,
    middleware: {
      // Explain and Translate from a code action: shown as from the palette, growing as they are written.
      executeCommand: (command, args, next) => {
        const argument = args[0] as { uri?: unknown; range?: unknown; target?: unknown } | undefined;
        const running = client;
        const views = explanations;
        if (args.length !== 1 || typeof argument?.uri !== "string" || !running || !views) {
          return next(command, args);
        }
        const source = running.protocol2CodeConverter.asUri(argument.uri);
        const params = { textDocument: { uri: argument.uri }, range: argument.range };
        if (command === "codex.explain") {
          return showExplanation(running, views, source, params);
        }
        if (command === "codex.translate" && typeof argument.target === "string") {
          return showTranslation(running, views, source, { ...params, target: argument.target });
        }
        return next(command, args);
      },
      workspace: {
        // The server pulls its section when a change notification carries no settings.
        configuration: (params, token, next) => {
          if (params.items.every((item) => item.section === SECTION)) {
            return params.items.map(() => serverSettings());
          }
          return next(params, token);
        },
      },
    },
  };
  const next = new LanguageClient(SECTION, "codex-ls", serverOptions, clientOptions);
  next.onDidChangeState((event) => {
    if (event.newState !== State.Running) {
      // A restarted server has said nothing yet: the old one's last status no longer holds.
      serverStatus = undefined;
      // Nor does a suggestion the old one made: its accept command would reach no server.
      void vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
    }
    showStatus(clientState(event.newState));
  });
  next.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
    serverStatus = parseStatus(params);
    showStatus("running");
  });
  client = next;
  try {
    await next.start();
  } catch (error) {
    output?.error(`codex-ls did not start: ${String(error)}`);
    showStatus("stopped");
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  serverStatus = undefined;
  serverActions = [];
  if (running !== undefined && running.state !== State.Stopped) {
    try {
      await running.stop();
    } catch (error) {
      // A server that never started or already died: nothing left to stop.
      output?.warn(`stopping codex-ls: ${String(error)}`);
    }
  }
}

async function restartClient(): Promise<void> {
  await stopClient();
  await startClient();
}

async function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
  if (event.affectsConfiguration("python.defaultInterpreterPath")) {
    // Another environment may hold (another) codex-ls.
    await restartClient();
    return;
  }
  if (!event.affectsConfiguration(SECTION)) {
    return;
  }
  if (needsRestart((key) => event.affectsConfiguration(`${SECTION}.${key}`)) || client === undefined) {
    await restartClient();
    return;
  }
  await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: serverSettings() } });
}

/** The running client and the active editor, or a message saying which is missing. */
function target(): { client: LanguageClient; editor: vscode.TextEditor } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (client === undefined || client.state !== State.Running) {
    void vscode.window.showWarningMessage("codex-ls is not running.");
    return undefined;
  }
  if (editor === undefined) {
    void vscode.window.showWarningMessage("Codex: open a file first.");
    return undefined;
  }
  return { client, editor };
}

/** The selection; when empty, the cursor, where the server takes the function around it. */
function selectedRange(running: LanguageClient, editor: vscode.TextEditor) {
  return running.code2ProtocolConverter.asRange(editor.selection);
}

async function explain(): Promise<void> {
  const found = target();
  if (found === undefined) {
    return;
  }
  const { client: running, editor } = found;
  const params = {
    textDocument: { uri: running.code2ProtocolConverter.asUri(editor.document.uri) },
    range: selectedRange(running, editor),
  };
  if (explanations !== undefined) {
    await showExplanation(running, explanations, editor.document.uri, params);
  }
}

async function runAction(action: Action): Promise<void> {
  const found = target();
  if (found === undefined) {
    return;
  }
  const { client: running, editor } = found;
  let answer: string | undefined;
  if (action.input !== undefined) {
    answer = await vscode.window.showInputBox({ ...prompt(action.input), ignoreFocusOut: true });
    if (answer === undefined || answer.trim() === "") {
      return;
    }
  }
  const argument = commandArgument(
    action,
    running.code2ProtocolConverter.asUri(editor.document.uri),
    selectedRange(running, editor),
    answer,
  );
  if (action.serverCommand === "codex.translate" && argument.target !== undefined && explanations !== undefined) {
    const params = { textDocument: { uri: argument.uri }, range: argument.range, target: argument.target };
    await showTranslation(running, explanations, editor.document.uri, params);
    return;
  }
  // The server answers with workspace/applyEdit or window/showDocument; the client applies both.
  const title = titleOf(action, await listActions());
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Codex: ${title.toLowerCase()}…`, cancellable: false },
    () => running.sendRequest(ExecuteCommandRequest.type, { command: action.serverCommand, arguments: [argument] }),
  );
}

/** The server's code actions (`codex/actions`), asked once per server. */
async function listActions(): Promise<ServerAction[]> {
  if (serverActions.length === 0 && client?.state === State.Running) {
    serverActions = (await client.sendRequest<ServerAction[] | null>(ACTIONS_REQUEST, {})) ?? [];
  }
  return serverActions;
}

/** `codexLs.runAction`: pick one of the server's actions by its title. */
async function pickAction(): Promise<void> {
  const listed = await listActions();
  const picked = await vscode.window.showQuickPick(
    listed.map((a) => ({ label: a.title, command: a.command })),
    { placeHolder: "Codex: which action?" },
  );
  const action = ACTIONS.find((a) => a.serverCommand === picked?.command);
  if (action !== undefined) {
    await (action.serverCommand === "codex.explain" ? explain() : runAction(action));
  }
}

/** `codexLs.stats`: what became of the suggestions since the server started. */
async function showStats(): Promise<void> {
  if (client?.state !== State.Running) {
    void vscode.window.showWarningMessage("Codex: the language server is not running.");
    return;
  }
  const stats = await client.sendRequest<Stats>(STATS_REQUEST, {});
  void vscode.window.showInformationMessage(statsText(stats));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  settingKeys = serverSettingKeys(context.extension.packageJSON?.contributes?.configuration?.properties ?? {});
  output = vscode.window.createOutputChannel("codex-ls", { log: true });
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.name = "codex-ls";
  explanations = new Explanations();
  context.subscriptions.push(
    output,
    statusItem,
    explanations,
    vscode.workspace.registerTextDocumentContentProvider(EXPLANATION_SCHEME, explanations),
  );
  for (const action of ACTIONS) {
    const run = action.serverCommand === "codex.explain" ? explain : () => runAction(action);
    context.subscriptions.push(
      vscode.commands.registerCommand(action.command, async () => {
        try {
          await run();
        } catch (error) {
          void vscode.window.showErrorMessage(`Codex: ${titleOf(action, serverActions)} failed: ${String(error)}`);
        }
      }),
    );
  }
  context.subscriptions.push(
    vscode.commands.registerCommand("codexLs.restart", restartClient),
    vscode.commands.registerCommand("codexLs.runAction", pickAction),
    vscode.commands.registerCommand("codexLs.stats", showStats),
    vscode.commands.registerCommand("codexLs.showOutput", () => output?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => void onConfigurationChanged(event)),
  );
  const environments = (await pythonApi())?.environments;
  if (environments?.onDidChangeActiveEnvironmentPath !== undefined) {
    context.subscriptions.push(environments.onDidChangeActiveEnvironmentPath(() => void restartClient()));
  }
  showStatus("starting");
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
