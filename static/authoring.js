// Authoring pages: two small conveniences on top of forms that work without
// JavaScript. Loaded only on authoring pages, as a file (the CSP allows no
// inline script).
//
// 1. A form marked data-unsaved-warning asks before the page is left with
//    changes that were not saved.
// 2. The lesson text area gets a live preview, rendered by the server with the
//    same renderer learners' pages use (raw HTML off), a moment after typing stops.
(function () {
  "use strict";

  // A form shown again after a refused save (data-unsaved) holds text not yet saved.
  var dirty = document.querySelector("form[data-unsaved-warning][data-unsaved]") !== null;
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var body = document.querySelector("textarea[data-live-preview]");
  if (!body) { return; }
  var url = body.getAttribute("data-live-preview");
  var token = document.querySelector("input[name=csrf_token]");
  var panel = document.createElement("section");
  panel.className = "panel preview";
  panel.setAttribute("aria-labelledby", "live-preview-title");
  var heading = document.createElement("h2");
  heading.id = "live-preview-title";
  heading.textContent = "Live preview (not saved)";
  var note = document.createElement("p");
  note.className = "muted";
  note.textContent = "Updates as you type. The button “Show how it will look” gives the same result.";
  var problems = document.createElement("ul");
  problems.className = "field-error";
  problems.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  var article = document.createElement("article");
  article.className = "lesson-body";
  panel.append(heading, note, status, problems, article);
  body.closest("form").after(panel);

  var timer = null;
  var sent = 0;
  function refresh() {
    var ticket = ++sent;
    var data = new FormData();
    data.append("body", body.value);
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (!result || ticket !== sent) { return; }
        // The server's renderer escapes every HTML tag written in the text.
        article.innerHTML = result.html;
        problems.replaceChildren();
        result.problems.forEach(function (text) {
          var item = document.createElement("li");
          item.textContent = text;
          problems.append(item);
        });
        problems.hidden = result.problems.length === 0;
        var count = result.problems.length;
        var said = count ? count + (count === 1 ? " problem" : " problems") + " in the text" : "";
        if (status.textContent !== said) { status.textContent = said; }
      })
      .catch(function () { /* the preview button still works */ });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
  refresh();
})();
