import * as assert from "node:assert/strict";
import { describe, test } from "node:test";

import { parseStatus, statusView } from "../status";

describe("parseStatus", () => {
  test("reads the state and the message", () => {
    assert.deepEqual(parseStatus({ state: "busy", message: "explaining" }), { state: "busy", message: "explaining" });
    assert.deepEqual(parseStatus({ state: "idle" }), { state: "idle" });
    assert.deepEqual(parseStatus({ state: "error", message: "" }), { state: "error" });
  });

  test("ignores a malformed notification", () => {
    for (const params of [null, undefined, "busy", 3, {}, { state: "sleeping" }, { state: 1 }]) {
      assert.equal(parseStatus(params), undefined, JSON.stringify(params));
    }
  });
});

describe("statusView", () => {
  test("idle shows the ready icon", () => {
    assert.deepEqual(statusView("running", { state: "idle" }), {
      text: "$(sparkle) Codex",
      tooltip: "codex-ls is ready",
      error: false,
    });
  });

  test("busy spins and shows the server's message", () => {
    const view = statusView("running", { state: "busy", message: "Explaining app.py:3-9" });
    assert.equal(view.text, "$(sync~spin) Codex");
    assert.equal(view.tooltip, "Explaining app.py:3-9");
    assert.equal(view.error, false);
  });

  test("an error is shown as one, with its message", () => {
    const view = statusView("running", { state: "error", message: "the backend refused the API key (401)" });
    assert.equal(view.text, "$(error) Codex");
    assert.equal(view.tooltip, "the backend refused the API key (401)");
    assert.equal(view.error, true);
  });

  test("the client's own state comes before the server's", () => {
    assert.equal(statusView("starting", { state: "busy" }).text, "$(loading~spin) Codex");
    assert.equal(statusView("stopped", { state: "idle" }).error, true);
    assert.equal(statusView("running", undefined).text, "$(sparkle) Codex");
  });
});
