
(function () {
  "use strict";
  // Lab text reaches the page only through textContent, never as markup.
  var svg = document.getElementById("graph");
  var details = document.getElementById("details");
  var title = document.getElementById("details-name");
  var list = document.getElementById("details-list");
  var nodes = svg.querySelectorAll("g.node");
  var fields = [
    ["host", "data-host"], ["state", "data-state"], ["image", "data-image"],
    ["CPUs", "data-cpus"], ["memory", "data-memory"], ["interfaces", "data-interfaces"]
  ];

  function clear() {
    svg.classList.remove("focused");
    svg.querySelectorAll(".lit").forEach(function (e) { e.classList.remove("lit"); });
    details.hidden = true;
  }

  function show(node) {
    clear();
    var name = node.getAttribute("data-name");
    var networks = {};
    node.classList.add("lit");
    svg.querySelectorAll(".wire, .link").forEach(function (e) {
      if (e.getAttribute("data-node") === name || e.getAttribute("data-peer") === name) {
        e.classList.add("lit");
        if (e.hasAttribute("data-network")) { networks[e.getAttribute("data-network")] = true; }
      }
    });
    svg.querySelectorAll(".bar").forEach(function (e) {
      if (networks[e.getAttribute("data-network")] === true) { e.classList.add("lit"); }
    });
    svg.classList.add("focused");
    title.textContent = name;
    list.textContent = "";
    fields.forEach(function (field) {
      var value = node.getAttribute(field[1]);
      if (!value) { return; }
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = field[0];
      dd.textContent = value;
      list.appendChild(dt);
      list.appendChild(dd);
    });
    details.hidden = false;
  }

  nodes.forEach(function (node) {
    node.addEventListener("click", function (event) { event.stopPropagation(); show(node); });
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); show(node); }
    });
  });
  svg.addEventListener("click", clear);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { clear(); }
  });
  // Read by vlab's browser test: the script ran to its end and saw every node.
  document.documentElement.setAttribute("data-graph-nodes", String(nodes.length));
})();
