/**
 * VS Code's `codexLs.*` settings mapped to the server's settings object.
 *
 * The server reads one JSON shape from `initializationOptions`,
 * `workspace/didChangeConfiguration` and `workspace/configuration`:
 * `{backend: {kind, url, ...}, model: {...}, completion: {...}, actions: {...}}`.
 * In VS Code each leaf is its own setting, named by its path (`codexLs.backend.kind`),
 * declared once in package.json's `contributes.configuration`; the keys come from
 * there. No `vscode` import: it is unit-tested under plain Node.
 */

const SECTION = "codexLs.";

/** `codexLs.*` keys that configure the extension itself, never sent to the server. */
export const CLIENT_SETTINGS: readonly string[] = ["server.path", "server.args", "trace.server"];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Reads one setting by its key below `codexLs` (`"backend.kind"`); `undefined` if absent. */
export type SettingReader = (key: string) => unknown;

/**
 * The server's settings object from VS Code's settings.
 *
 * Unset optional values (`""`, `[]`, `{}`, `null`) are left out so the server
 * keeps its own default. Anything else is passed on as it is, even of the wrong
 * type: the server names an invalid setting in one message and uses its default,
 * which says more to the user than a value silently dropped here.
 */
export function toServerSettings(keys: readonly string[], read: SettingReader): JsonObject {
  const result: JsonObject = {};
  for (const key of keys) {
    const value = read(key);
    if (isUnset(value)) {
      continue;
    }
    setPath(result, key.split("."), value as JsonValue);
  }
  return result;
}

/** The server's settings among the `contributes.configuration` properties: keys below `codexLs.`. */
export function serverSettingKeys(properties: Record<string, unknown>): string[] {
  return Object.keys(properties)
    .filter((key) => key.startsWith(SECTION))
    .map((key) => key.slice(SECTION.length))
    .filter((key) => !CLIENT_SETTINGS.includes(key));
}

function isUnset(value: unknown): boolean {
  if (value === undefined || value === null || value === "") {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

function setPath(target: JsonObject, path: string[], value: JsonValue): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (child === undefined || child === null || typeof child !== "object" || Array.isArray(child)) {
      node[key] = {};
    }
    node = node[key] as JsonObject;
  }
  node[path[path.length - 1]] = value;
}

/** True when a change under these `codexLs` keys needs the server process restarted. */
export function needsRestart(changed: (key: string) => boolean): boolean {
  return changed("server.path") || changed("server.args");
}
