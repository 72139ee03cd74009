import * as assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CLIENT_SETTINGS, needsRestart, serverSettingKeys, toServerSettings } from "../settings";
import { configurationProperties } from "./manifest";

const KEYS = serverSettingKeys(configurationProperties());

function settings(values: Record<string, unknown>) {
  return toServerSettings(KEYS, (key) => values[key]);
}

describe("toServerSettings", () => {
  test("nests the dotted keys into the server's shape", () => {
    assert.deepEqual(
      settings({
        "backend.kind": "openai",
        "backend.url": "http://127.0.0.1:8080/v1",
        "backend.model": "qwen2.5-coder-1.5b",
        "backend.tuning": { maxRetries: 0 },
        "completion.maxTokens": 64,
        "completion.enabled": false,
        "actions.maxTokens": 512,
      }),
      {
        backend: {
          kind: "openai",
          url: "http://127.0.0.1:8080/v1",
          model: "qwen2.5-coder-1.5b",
          tuning: { maxRetries: 0 },
        },
        completion: { maxTokens: 64, enabled: false },
        actions: { maxTokens: 512 },
      },
    );
  });

  test("leaves unset optional values out so the server keeps its defaults", () => {
    const sent = settings({
      "backend.kind": "local",
      "backend.fimFamily": "",
      "backend.apiKeyEnv": "",
      "backend.apiKeyCommand": [],
      "backend.headers": {},
      "model.path": "",
      "model.nThreads": null,
    });
    assert.deepEqual(sent, { backend: { kind: "local" } });
  });

  test("passes lists and maps through", () => {
    assert.deepEqual(settings({ "backend.apiKeyCommand": ["pass", "show", "openai"], "backend.headers": { "X-Team": "a" } }), {
      backend: { apiKeyCommand: ["pass", "show", "openai"], headers: { "X-Team": "a" } },
    });
  });

  test("passes a value of the wrong type on, for the server to name", () => {
    assert.deepEqual(settings({ "completion.maxTokens": "many" }), { completion: { maxTokens: "many" } });
  });

  test("never sends the extension's own settings", () => {
    assert.deepEqual(settings({ "server.path": "/bin/codex-ls", "server.args": ["-v"], "trace.server": "verbose" }), {});
  });

  test("sends nothing when nothing is set", () => {
    assert.deepEqual(settings({}), {});
  });

  test("restarts the server only for the executable and its arguments", () => {
    assert.equal(needsRestart((key) => key === "server.path"), true);
    assert.equal(needsRestart((key) => key === "server.args"), true);
    assert.equal(needsRestart((key) => key === "backend.url"), false);
  });
});

describe("package.json contributes.configuration", () => {
  const properties = configurationProperties();

  test("declares the extension's own settings and the server's sections", () => {
    for (const key of CLIENT_SETTINGS) {
      assert.ok(`codexLs.${key}` in properties, key);
    }
    const sections = new Set(KEYS.map((key) => key.split(".")[0]));
    assert.deepEqual([...sections].sort(), ["actions", "backend", "completion", "model"]);
  });

  test("describes every setting", () => {
    for (const [key, property] of Object.entries(properties)) {
      const description = property.description ?? property.markdownDescription ?? "";
      assert.ok(description.length > 10, `${key} has no description`);
    }
  });

  test("sends no default that means 'unset'", () => {
    const defaults = Object.fromEntries(KEYS.map((key) => [key, properties[`codexLs.${key}`].default]));
    const sent = toServerSettings(KEYS, (key) => defaults[key]);
    const unsetDefaults = KEYS.filter((key) => ["", null].includes(defaults[key] as string | null));
    for (const key of unsetDefaults) {
      const [section, leaf] = key.split(".");
      assert.equal((sent[section] as Record<string, unknown> | undefined)?.[leaf], undefined, key);
    }
  });
});
