import * as assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ACTIONS, commandArgument } from "../actions";
import { manifest } from "./manifest";

const range = { start: { line: 2, character: 4 }, end: { line: 5, character: 0 } };

function action(command: string) {
  const found = ACTIONS.find((a) => a.command === command);
  assert.ok(found, command);
  return found;
}

describe("ACTIONS", () => {
  test("cover the server's eight commands", () => {
    assert.deepEqual(
      ACTIONS.map((a) => a.serverCommand).sort(),
      [
        "codex.addComments",
        "codex.addDocstring",
        "codex.addTests",
        "codex.edit",
        "codex.explain",
        "codex.findBugs",
        "codex.implement",
        "codex.translate",
      ],
    );
  });

  test("are declared in package.json and in the editor's Codex menu", () => {
    const { contributes } = manifest();
    const declared = contributes.commands.map((c) => c.command);
    const inMenu = contributes.menus["codexLs.actions"].map((m) => m.command);
    for (const a of ACTIONS) {
      assert.ok(declared.includes(a.command), `${a.command} is not in contributes.commands`);
      assert.ok(inMenu.includes(a.command), `${a.command} is not in the Codex menu`);
    }
  });

  test("do not take the names vscode-languageclient gives the server's commands", () => {
    for (const a of ACTIONS) {
      assert.notEqual(a.command, a.serverCommand);
    }
  });
});

describe("commandArgument", () => {
  test("is one object with the uri and the range", () => {
    assert.deepEqual(commandArgument(action("codexLs.addDocstring"), "file:///a.py", range), {
      uri: "file:///a.py",
      range,
    });
  });

  test("carries the instruction of Edit", () => {
    assert.deepEqual(commandArgument(action("codexLs.edit"), "file:///a.py", range, "use sum()"), {
      uri: "file:///a.py",
      range,
      instruction: "use sum()",
    });
  });

  test("carries the target language of Translate", () => {
    assert.deepEqual(commandArgument(action("codexLs.translate"), "file:///a.py", range, "Rust"), {
      uri: "file:///a.py",
      range,
      target: "Rust",
    });
  });
});
