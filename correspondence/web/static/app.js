// Starts GOV.UK Frontend's and MOJ Frontend's components (the pages work without it).
import { initAll as govukInit } from "/static/govuk/govuk-frontend.min.js";
import { initAll as mojInit } from "/static/moj/moj-frontend.min.js";

govukInit();
mojInit();
