// Starts GOV.UK Frontend's JavaScript on every page (loaded by base.html).
//
// A file rather than an inline <script type="module"> so that a Content
// Security Policy never has to allow inline scripts (the one-line body class
// script in base.html is the only inline one, as GOV.UK Frontend requires).
//
// govuk-frontend.min.js is build output: `npm run build --prefix frontend`
// copies it to static/dist/.
import { initAll } from '../dist/govuk-frontend.min.js'

initAll()
