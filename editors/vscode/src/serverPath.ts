/**
 * Where the `codex-ls` executable is: the configured path, else the selected Python
 * environment (as Python tool extensions do: the interpreter chosen in the Python
 * extension, or `python.defaultInterpreterPath`), else the workspace's virtual
 * environment, else `PATH`.
 *
 * Pure apart from the injected `isExecutable`, so it is unit-tested under Node.
 */
import * as path from "node:path";

export interface LookupEnvironment {
  /** `codexLs.server.path`; may be empty. */
  readonly configured: string;
  /** Workspace folders' file system paths, first one first. */
  readonly workspaceFolders: readonly string[];
  /** The `PATH` variable of the extension host. */
  readonly pathVariable: string | undefined;
  readonly platform: NodeJS.Platform;
  readonly home: string;
  /** True if `file` exists and can be run. */
  readonly isExecutable: (file: string) => boolean;
  /** The selected Python interpreter's path, if any. */
  readonly pythonInterpreter?: string;
}

export type Lookup =
  | { readonly found: true; readonly command: string; readonly source: "setting" | "python" | "workspace" | "PATH" }
  | { readonly found: false; readonly message: string };

const VENV_DIRS = [".venv", "venv"];

export function executableName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "codex-ls.exe" : "codex-ls";
}

function pathModule(platform: NodeJS.Platform): path.PlatformPath {
  return platform === "win32" ? path.win32 : path.posix;
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~` expanded; a relative path joined to the first folder. */
export function expandConfiguredPath(configured: string, env: LookupEnvironment): string {
  const paths = pathModule(env.platform);
  const folder = env.workspaceFolders[0];
  let expanded = configured.trim().replace(/\$\{userHome\}/g, env.home);
  if (folder !== undefined) {
    expanded = expanded.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (expanded === "~" || expanded.startsWith("~/") || expanded.startsWith("~\\")) {
    expanded = paths.join(env.home, expanded.slice(1));
  }
  const bare = !expanded.includes("/") && !expanded.includes("\\");
  if (!bare && !paths.isAbsolute(expanded) && folder !== undefined) {
    expanded = paths.join(folder, expanded);
  }
  return expanded;
}

function searchPath(name: string, env: LookupEnvironment): string | undefined {
  const paths = pathModule(env.platform);
  const separator = env.platform === "win32" ? ";" : ":";
  for (const dir of (env.pathVariable ?? "").split(separator)) {
    if (dir === "") {
      continue;
    }
    const candidate = paths.join(dir, name);
    if (env.isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

export function findServer(env: LookupEnvironment): Lookup {
  const paths = pathModule(env.platform);
  const name = executableName(env.platform);
  if (env.configured.trim() !== "") {
    const expanded = expandConfiguredPath(env.configured, env);
    const bare = !expanded.includes("/") && !expanded.includes("\\");
    const command = bare ? searchPath(expanded, env) : env.isExecutable(expanded) ? expanded : undefined;
    if (command !== undefined) {
      return { found: true, command, source: "setting" };
    }
    return {
      found: false,
      message: `codexLs.server.path is "${env.configured}", but ${expanded} is not an executable file.`,
    };
  }
  const interpreter = env.pythonInterpreter?.trim() ?? "";
  if (interpreter !== "" && (interpreter.includes("/") || interpreter.includes("\\"))) {
    // The interpreter's own directory holds its environment's scripts (venv, conda on
    // Unix); a Windows base install keeps them in Scripts\ beside python.exe.
    const dir = paths.dirname(expandConfiguredPath(interpreter, env));
    const candidates = [paths.join(dir, name)];
    if (env.platform === "win32") {
      candidates.push(paths.join(dir, "Scripts", name));
    }
    const command = candidates.find((candidate) => env.isExecutable(candidate));
    if (command !== undefined) {
      return { found: true, command, source: "python" };
    }
  }
  const binDir = env.platform === "win32" ? "Scripts" : "bin";
  for (const folder of env.workspaceFolders) {
    for (const venv of VENV_DIRS) {
      const candidate = paths.join(folder, venv, binDir, name);
      if (env.isExecutable(candidate)) {
        return { found: true, command: candidate, source: "workspace" };
      }
    }
  }
  const onPath = searchPath(name, env);
  if (onPath !== undefined) {
    return { found: true, command: onPath, source: "PATH" };
  }
  const where = interpreter !== "" ? `the selected Python environment (${interpreter}), ` : "";
  return {
    found: false,
    message:
      `codex-ls was not found in ${where}the workspace's .venv, nor on PATH. ` +
      "Install it into your Python environment from a clone or a built wheel " +
      "(pip install /path/to/codex-ls), or set codexLs.server.path to the codex-ls executable.",
  };
}
