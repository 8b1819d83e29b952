// The API reference: Swagger UI over the proxy's own /openapi.json, offline (no validator, no CDN).
// - "Try it out" calls this proxy; the key given under "Authorize" is kept for the browser session
//   (sessionStorage: gone when the tab closes, kept across reloads) and never leaves this origin.
// - The filter box searches operation ids, paths, methods, summaries and descriptions.
// - Every executed request shows its curl (bash, PowerShell, cmd) sample.
"use strict"
;(function () {
  var storageKey = "orgkit-proxy-authorization"

  var rememberKey = function () {
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            authorize: function (original) {
              return function (payload) {
                try {
                  sessionStorage.setItem(storageKey, JSON.stringify(payload))
                } catch {
                  /* storage off */
                }
                return original(payload)
              }
            },
            logout: function (original) {
              return function (payload) {
                try {
                  sessionStorage.removeItem(storageKey)
                } catch {
                  /* storage off */
                }
                return original(payload)
              }
            }
          }
        }
      }
    }
  }

  var text = function (value) {
    return typeof value === "string" ? value.toLowerCase() : ""
  }

  var search = function () {
    return {
      fn: {
        opsFilter: function (taggedOps, phrase) {
          var words = text(phrase).split(/\s+/).filter(Boolean)
          return taggedOps
            .map(function (tag) {
              return tag.set(
                "operations",
                tag.get("operations").filter(function (op) {
                  var operation = op.get("operation")
                  var haystack = [
                    op.get("path"),
                    op.get("method"),
                    operation.get("operationId"),
                    operation.get("summary"),
                    operation.get("description")
                  ]
                    .map(text)
                    .join(" ")
                  return words.every(function (word) {
                    return haystack.indexOf(word) !== -1
                  })
                })
              )
            })
            .filter(function (tag) {
              return tag.get("operations").size > 0
            })
        }
      }
    }
  }

  var ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    displayOperationId: true,
    displayRequestDuration: true,
    filter: true,
    tryItOutEnabled: true,
    requestSnippetsEnabled: true,
    persistAuthorization: false,
    validatorUrl: null,
    withCredentials: false,
    plugins: [rememberKey, search],
    onComplete: function () {
      var saved = null
      try {
        saved = sessionStorage.getItem(storageKey)
      } catch {
        /* storage off */
      }
      if (saved !== null) ui.authActions.authorize(JSON.parse(saved))
      document.body.setAttribute("data-ready", "true")
    }
  })
  window.ui = ui
})()
