// Bundles the pinned npm packages and Vern's own files into static/dist/ (not committed).
import { build } from "esbuild";

const common = { bundle: true, minify: true, sourcemap: true, logLevel: "warning", legalComments: "linked" };

await build({ ...common, entryPoints: ["frontend/vern.css"], outfile: "static/dist/vern.css", loader: { ".svg": "dataurl", ".woff2": "file" } });
await build({ ...common, entryPoints: ["frontend/vern.js"], outfile: "static/dist/vern.js", format: "iife", target: ["es2022"] });
