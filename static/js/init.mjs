// Starts GOV.UK Frontend's JavaScript on every page (loaded by base.html).
//
// A file rather than an inline <script type="module">: the Content Security
// Policy allows scripts from the app's own origin only (the body class that
// GOV.UK Frontend's styles need is set by js-enabled.js, also a file).
//
// govuk-frontend.min.js is build output: `npm run build --prefix frontend`
// copies it to static/dist/.
import { initAll } from '../dist/govuk-frontend.min.js'

initAll()
