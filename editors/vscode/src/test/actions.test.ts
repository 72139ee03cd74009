import * as assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ACTIONS, commandArgument, statsText, titleOf } from "../actions";
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

describe("titles", () => {
  test("are the server's, by its command", () => {
    const listed = [{ command: "codex.addTests", title: "Add unit tests", kind: "refactor.codex" }];
    assert.equal(titleOf(action("codexLs.addTests"), listed), "Add unit tests");
    assert.equal(titleOf(action("codexLs.explain"), listed), "codex.explain");
  });
});

describe("statsText", () => {
  test("says what became of the suggestions and counts the model calls", () => {
    const text = statsText({
      suggestions: { since: "2026-01-01T00:00:00Z", shown: 5, accepted: 2, partiallyAccepted: 1, dismissed: 1 },
      completions: { model: 3, type_through: 4 },
    });
    assert.equal(
      text,
      "Codex since 2026-01-01T00:00:00Z: 5 shown, 2 accepted, 1 accepted in part, 1 dismissed; 3 model calls",
    );
  });

  test("reads an older server's answer without the suggestion counts", () => {
    assert.match(statsText({ completions: {} }), /0 shown, 0 accepted, 0 accepted in part, 0 dismissed; 0 model calls$/);
  });
});
