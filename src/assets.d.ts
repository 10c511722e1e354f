// Types for files imported `with { type: "file" }` by runtime/bun.ts (Bun gives their path, inside the executable when compiled).
declare module "*.wasm" {
  const path: string;
  export default path;
}
declare module "*.data" {
  const path: string;
  export default path;
}
declare module "*.tar.gz" {
  const path: string;
  export default path;
}
