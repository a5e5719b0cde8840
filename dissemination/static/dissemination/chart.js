// Render every Plotly figure whose JSON sits in <script id="X-figure"> into the element #X-chart.
document.querySelectorAll('script[id$="-figure"]').forEach(function (data) {
  var target = document.getElementById(data.id.replace(/-figure$/, "-chart"));
  if (!target || !window.Plotly) { return; }
  var figure = JSON.parse(data.textContent);
  window.Plotly.newPlot(target, figure.data, figure.layout, {responsive: true, displaylogo: false});
});
