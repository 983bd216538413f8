// builds core/static/dist from npm packages: compiled Sass and the GOV.UK / MOJ scripts, nothing from a CDN
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "core/static/dist";
mkdirSync(out, { recursive: true });

const css = sass.compile("core/assets/app.scss", {
  loadPaths: ["node_modules", "."],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/app.css`, css.css);

cpSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", `${out}/govuk-frontend.min.js`);
// the API reference page (/api/v1/docs): Swagger UI's bundle and styles, served from here
mkdirSync(`${out}/swagger-ui`, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  cpSync(`node_modules/swagger-ui-dist/${file}`, `${out}/swagger-ui/${file}`);
}
console.log(`built ${out}`);
