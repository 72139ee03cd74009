import * as assert from "node:assert/strict";
import { describe, test } from "node:test";

import { expandConfiguredPath, findServer, type LookupEnvironment } from "../serverPath";

function env(overrides: Partial<LookupEnvironment> & { executables?: string[] }): LookupEnvironment {
  const executables = new Set(overrides.executables ?? []);
  return {
    configured: "",
    workspaceFolders: ["/work/project"],
    pathVariable: "/usr/local/bin:/usr/bin",
    platform: "linux",
    home: "/home/ada",
    isExecutable: (file) => executables.has(file),
    ...overrides,
  };
}

describe("findServer", () => {
  test("prefers the workspace's .venv over PATH", () => {
    const found = findServer(env({ executables: ["/work/project/.venv/bin/codex-ls", "/usr/bin/codex-ls"] }));
    assert.deepEqual(found, { found: true, command: "/work/project/.venv/bin/codex-ls", source: "workspace" });
  });

  test("also looks in venv/ and in every workspace folder", () => {
    const found = findServer(
      env({ workspaceFolders: ["/a", "/b"], executables: ["/b/venv/bin/codex-ls"] }),
    );
    assert.deepEqual(found, { found: true, command: "/b/venv/bin/codex-ls", source: "workspace" });
  });

  test("falls back to PATH, in PATH's order", () => {
    const found = findServer(env({ executables: ["/usr/bin/codex-ls", "/usr/local/bin/codex-ls"] }));
    assert.deepEqual(found, { found: true, command: "/usr/local/bin/codex-ls", source: "PATH" });
  });

  test("uses Scripts\\codex-ls.exe and ; on Windows", () => {
    const found = findServer(
      env({
        platform: "win32",
        workspaceFolders: ["C:\\work"],
        pathVariable: "C:\\bin;C:\\tools",
        executables: ["C:\\work\\.venv\\Scripts\\codex-ls.exe"],
      }),
    );
    assert.deepEqual(found, { found: true, command: "C:\\work\\.venv\\Scripts\\codex-ls.exe", source: "workspace" });
    const onPath = findServer(
      env({ platform: "win32", workspaceFolders: [], pathVariable: "C:\\bin;C:\\tools", executables: ["C:\\tools\\codex-ls.exe"] }),
    );
    assert.deepEqual(onPath, { found: true, command: "C:\\tools\\codex-ls.exe", source: "PATH" });
  });

  test("a configured path wins and is not searched further", () => {
    const found = findServer(
      env({ configured: "~/bin/codex-ls", executables: ["/home/ada/bin/codex-ls", "/work/project/.venv/bin/codex-ls"] }),
    );
    assert.deepEqual(found, { found: true, command: "/home/ada/bin/codex-ls", source: "setting" });
  });

  test("a configured bare name is looked up on PATH", () => {
    const found = findServer(env({ configured: "codex-ls-dev", executables: ["/usr/bin/codex-ls-dev"] }));
    assert.deepEqual(found, { found: true, command: "/usr/bin/codex-ls-dev", source: "setting" });
  });

  test("a configured path that is not there is an error naming the setting", () => {
    const found = findServer(env({ configured: "${workspaceFolder}/env/bin/codex-ls", executables: ["/usr/bin/codex-ls"] }));
    assert.equal(found.found, false);
    assert.match(found.found ? "" : found.message, /codexLs\.server\.path.*\/work\/project\/env\/bin\/codex-ls/);
  });

  test("the selected Python environment comes after the setting and before the workspace", () => {
    const executables = ["/envs/ml/bin/codex-ls", "/work/project/.venv/bin/codex-ls", "/usr/bin/codex-ls"];
    const found = findServer(env({ pythonInterpreter: "/envs/ml/bin/python", executables }));
    assert.deepEqual(found, { found: true, command: "/envs/ml/bin/codex-ls", source: "python" });
    const configured = findServer(
      env({ configured: "/opt/codex-ls", pythonInterpreter: "/envs/ml/bin/python", executables: [...executables, "/opt/codex-ls"] }),
    );
    assert.deepEqual(configured, { found: true, command: "/opt/codex-ls", source: "setting" });
  });

  test("an interpreter path with ${workspaceFolder} is expanded", () => {
    const found = findServer(
      env({ pythonInterpreter: "${workspaceFolder}/env/bin/python3", executables: ["/work/project/env/bin/codex-ls"] }),
    );
    assert.deepEqual(found, { found: true, command: "/work/project/env/bin/codex-ls", source: "python" });
  });

  test("a Windows base interpreter keeps its scripts in Scripts\\", () => {
    const found = findServer(
      env({
        platform: "win32",
        workspaceFolders: [],
        pythonInterpreter: "C:\\Python312\\python.exe",
        executables: ["C:\\Python312\\Scripts\\codex-ls.exe"],
      }),
    );
    assert.deepEqual(found, { found: true, command: "C:\\Python312\\Scripts\\codex-ls.exe", source: "python" });
  });

  test("an environment without codex-ls falls through to the workspace and PATH", () => {
    const found = findServer(env({ pythonInterpreter: "/envs/empty/bin/python", executables: ["/usr/bin/codex-ls"] }));
    assert.deepEqual(found, { found: true, command: "/usr/bin/codex-ls", source: "PATH" });
  });

  test("nothing found says where it looked and how to fix it", () => {
    const found = findServer(env({ pathVariable: undefined, pythonInterpreter: "/envs/ml/bin/python" }));
    assert.equal(found.found, false);
    const message = found.found ? "" : found.message;
    assert.match(message, /selected Python environment \(\/envs\/ml\/bin\/python\)/);
    assert.match(message, /pip install \/path\/to\/codex-ls.*codexLs\.server\.path/);
  });
});

describe("expandConfiguredPath", () => {
  const cases: [string, string][] = [
    ["${workspaceFolder}/.venv/bin/codex-ls", "/work/project/.venv/bin/codex-ls"],
    ["${userHome}/codex-ls", "/home/ada/codex-ls"],
    ["~/.local/bin/codex-ls", "/home/ada/.local/bin/codex-ls"],
    ["tools/codex-ls", "/work/project/tools/codex-ls"],
    ["/opt/codex-ls/bin/codex-ls", "/opt/codex-ls/bin/codex-ls"],
    ["codex-ls", "codex-ls"],
  ];
  for (const [configured, expected] of cases) {
    test(`${configured} → ${expected}`, () => {
      assert.equal(expandConfiguredPath(configured, env({})), expected);
    });
  }
});
