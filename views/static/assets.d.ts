// Types for the admin's static files, imported `with { type: "text" }` in src/runtime.ts (Bun gives their content).
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*/htmx.min.js" {
  const text: string;
  export default text;
}
declare module "*/static/admin.js" {
  const text: string;
  export default text;
}
