// Poll a harvest run's small JSON status and update the page until the run is finished.
(function () {
  var box = document.getElementById("run-status");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = document.getElementById("run-progress");
  function update(status) {
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var value = status[el.dataset.field];
      if (value === undefined || value === null) { return; }
      el.textContent = value;
      if (el.dataset.field === "staff_message") { el.hidden = !value; }
    });
    bar.value = status.percent;
    bar.textContent = status.percent + " %";
    if (status.status !== "queued" && status.status !== "running") { window.location.reload(); return; }
    window.setTimeout(poll, 1500);
  }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(update)
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
