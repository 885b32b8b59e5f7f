// The few Node APIs the Node-only file store uses (@types/node is not available to this build).
declare module "node:fs/promises" {
  export function readFile(path: string, encoding: "utf8"): Promise<string>;
  export function writeFile(path: string, data: string): Promise<void>;
  export function rename(from: string, to: string): Promise<void>;
}
