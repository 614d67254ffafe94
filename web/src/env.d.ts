// Vite bundles CSS imported from modules; TypeScript only needs to know the import is allowed.
declare module "*.css" {}
