// Keyboard-first coding: one variable is current (highlighted); digits code it and move on.
(function () {
  var form = document.getElementById("coding-form");
  if (!form) { return; }
  var variables = Array.prototype.slice.call(form.querySelectorAll("fieldset.variable"));
  var current = 0;
  function isCoded(fieldset) {
    var inputs = fieldset.querySelectorAll("input");
    return Array.prototype.some.call(inputs, function (i) { return i.type === "radio" ? i.checked : i.value !== ""; });
  }
  function focus(index) {
    if (!variables.length) { return; }
    current = Math.max(0, Math.min(variables.length - 1, index));
    variables.forEach(function (v, i) { v.classList.toggle("current", i === current); });
    variables[current].focus({preventScroll: false});
    variables[current].scrollIntoView({block: "nearest"});
  }
  function submit(go) {
    document.getElementById("coding-go").value = go;
    form.submit();
  }
  function code(fieldset, value) {
    var radio = fieldset.querySelector('input[type=radio][value="' + value + '"]');
    if (radio) { radio.checked = true; return true; }
    return false;
  }
  form.querySelectorAll("button[data-go]").forEach(function (button) {
    button.addEventListener("click", function () { document.getElementById("coding-go").value = button.dataset.go; });
  });
  variables.forEach(function (v, i) { v.addEventListener("click", function () { focus(i); }); });
  // Tab and Shift+Tab move the focus through the radios and fields: the variable they are in
  // becomes the current one, so the highlight and the digit keys follow the focus.
  form.addEventListener("focusin", function (event) {
    var index = variables.indexOf(event.target.closest("fieldset.variable"));
    if (index !== -1 && index !== current) {
      current = index;
      variables.forEach(function (v, i) { v.classList.toggle("current", i === current); });
    }
  });
  function numberField(fieldset) { return fieldset.querySelector("input[type=number]"); }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var typing = event.target.matches("input[type=number], input[type=text], textarea, select");
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); variables[current].focus(); }
      // Enter in a value field moves on (instead of submitting through the first button, "previous").
      if (event.key === "Enter" && event.target.matches("input[type=number]")) {
        event.preventDefault();
        focus(current + 1);
      }
      return;
    }
    var key = event.key;
    if (/^[0-9]$/.test(key)) {
      var field = numberField(variables[current]);
      if (field) {  // a numeric variable: start typing its value
        field.value = key;
        field.focus();
      } else if (code(variables[current], key)) { focus(current + 1); }
    } else if (key === "Enter" && event.target.matches("input[type=radio]")) {
      focus(current + 1);  // as for a value field: move on, never submit through "previous"
    } else if ((key === "ArrowDown" || key === "ArrowUp") && event.target.matches("input[type=radio]")) {
      return;  // inside a radio group the arrows choose a level, as everywhere
    } else if (key === "Enter" && numberField(variables[current])) { numberField(variables[current]).focus(); }
    else if (key === "j" || key === "ArrowDown") { focus(current + 1); }
    else if (key === "k" || key === "ArrowUp") { focus(current - 1); }
    else if (key === "a") {
      variables.forEach(function (v) {
        var s = v.querySelector("[data-suggested]");
        if (s && !isCoded(v)) { code(v, s.dataset.suggested); }
      });
    } else if (key === "n") { submit("next"); }
    else if (key === "p") { submit("prev"); }
    else if (key === "s") { submit("stay"); }
    else if (key === "o") { window.open(document.getElementById("open-video").href, "_blank", "noopener"); }
    else { return; }
    event.preventDefault();
  });
  var firstOpen = variables.findIndex(function (v) { return !isCoded(v); });
  focus(firstOpen === -1 ? 0 : firstOpen);
})();
