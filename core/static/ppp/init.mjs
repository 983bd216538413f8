// starts GOV.UK Frontend components; an external module script, so the CSP needs no inline script
import { initAll } from "/static/dist/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
