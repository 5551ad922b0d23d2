// Marks the page as having JavaScript, before anything is drawn, so GOV.UK Frontend's
// components show their scripted form from the start (the page template's first script).
//
// A file rather than the usual one-line inline script: the Content Security Policy allows
// scripts from the app's own origin only. It is a classic script, not a module, so that it runs
// synchronously where it stands, at the top of <body>.
document.body.className +=
  ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
