/** The extension's package.json, read from disk (the tests run from out/test/). */
import * as fs from "node:fs";
import * as path from "node:path";

export interface ConfigurationProperty {
  type: string | string[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
}

export interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command?: string; submenu?: string }[]>;
    configuration: { properties: Record<string, ConfigurationProperty> };
  };
  engines: { vscode: string };
  main: string;
}

export function manifest(): Manifest {
  const file = path.join(__dirname, "..", "..", "package.json");
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

export function configurationProperties(): Record<string, ConfigurationProperty> {
  return manifest().contributes.configuration.properties;
}
