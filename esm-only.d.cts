// aiofetch is ESM-only: require("aiofetch") throws (esm-only.cjs). Typed as
// `never` so that a CommonJS file using it fails to type-check as well; use
// import, or `await import("aiofetch")` from CommonJS.
declare const esmOnly: never;
export = esmOnly;
