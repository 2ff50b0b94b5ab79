// shadowfleet web map: talks only to the public API, with the analyst's key in the X-API-Key header.
"use strict";

let eventTypes = []; // [{name, label, colour}] from /api/event-types: the registry is the one source
const SPEEDS = ["#2ecc71", "#f1c40f", "#e67e22", "#c0392b"]; // < 2 kn, < 6, < 12, faster
const PARTY_COLOURS = ["#1a5276", "#922b21"];
const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem("shadowfleet-key") || "";
let map = null;
let selected = null; // {event, tracks}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { "X-API-Key": key, "Content-Type": "application/json", ...(options.headers || {}) } });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = JSON.stringify((await response.json()).detail); } catch (_) { /* not JSON */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}
const json = async (path, options) => (await api(path, options)).json();
const text = (tag, content, cls) => { const e = document.createElement(tag); e.textContent = content; if (cls) e.className = cls; return e; };

async function signIn(event) {
  if (event) event.preventDefault();
  key = $("key").value.trim() || key;
  try {
    const me = await json("/api/me");
    sessionStorage.setItem("shadowfleet-key", key);
    $("who").textContent = `${me.name} (${me.role})`;
    $("signin-panel").hidden = true;
    $("app").hidden = false;
    await start();
  } catch (error) {
    $("signin-error").textContent = `Sign-in failed: ${error.message}`;
  }
}

function signOut() { sessionStorage.removeItem("shadowfleet-key"); location.reload(); }

async function start() {
  if (!eventTypes.length) await loadEventTypes();
  if (!map) await buildMap();
  await loadEvents();
  await loadOverviewTracks();
  await loadAlerts();
}

async function buildMap() {
  const land = await json("/api/basemap");
  map = new maplibregl.Map({
    container: "map",
    style: { version: 8, sources: {}, layers: [{ id: "sea", type: "background", paint: { "background-color": "#d4e6f1" } }] },
    center: [124, 35], zoom: 4, attributionControl: { customAttribution: "Natural Earth" },
  });
  window.shadowfleetMap = map; // for the browser test and the console
  await new Promise((resolve) => map.on("load", resolve));
  map.addSource("land", { type: "geojson", data: land });
  map.addLayer({ id: "land", type: "fill", source: "land", paint: { "fill-color": "#e8e4d8", "fill-outline-color": "#b5ad95" } });
  map.addSource("tracks", { type: "geojson", data: empty() });
  map.addLayer({ id: "tracks", type: "line", source: "tracks", paint: {
    "line-color": ["match", ["get", "speed_class"], 0, SPEEDS[0], 1, SPEEDS[1], 2, SPEEDS[2], SPEEDS[3]], "line-width": 2 } });
  map.addSource("party-tracks", { type: "geojson", data: empty() });
  map.addLayer({ id: "party-tracks", type: "line", source: "party-tracks", paint: { "line-color": ["get", "colour"], "line-width": 3 } });
  map.addLayer({ id: "party-now", type: "circle", source: "party-tracks", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 6, "circle-color": ["get", "colour"], "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  map.addSource("events", { type: "geojson", data: empty() });
  map.addLayer({ id: "events", type: "circle", source: "events", paint: {
    "circle-radius": ["+", 4, ["*", 8, ["get", "score"]]], "circle-color": ["match", ["get", "event_type"], ...eventTypes.flatMap((t) => [t.name, t.colour]), "#000"],
    "circle-stroke-color": ["case", ["get", "listed_any"], "#000", "#fff"], "circle-stroke-width": 1.5 } });
  map.on("click", "events", (e) => openEvent(e.features[0].properties.event_id));
  map.on("mouseenter", "events", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "events", () => { map.getCanvas().style.cursor = ""; });
  legend();
}

const empty = () => ({ type: "FeatureCollection", features: [] });

function legend() {
  const box = $("legend");
  box.replaceChildren();
  for (const t of eventTypes) { const row = text("div", t.label); const dot = document.createElement("span"); dot.style.background = t.colour; row.prepend(dot); box.append(row); }
  ["< 2 kn", "2-6 kn", "6-12 kn", "> 12 kn"].forEach((label, i) => { const row = text("div", `track ${label}`); const dot = document.createElement("span"); dot.style.background = SPEEDS[i]; row.prepend(dot); box.append(row); });
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const box of document.querySelectorAll("#types input:checked")) params.append("type", box.value);
  if ($("since").value) params.set("since", new Date($("since").value + "Z").toISOString());
  if ($("until").value) params.set("until", new Date($("until").value + "Z").toISOString());
  params.set("min_score", $("min-score").value);
  if ($("listed").checked) params.set("listed", "true");
  params.set("limit", "2000");
  return params;
}

async function loadEvents(event) {
  if (event) event.preventDefault();
  const data = await json(`/api/events?${filterQuery()}`);
  for (const f of data.features) f.properties.listed_any = Boolean(f.properties.listed && f.properties.listed.length);
  map.getSource("events").setData({ type: "FeatureCollection", features: data.features.filter((f) => f.geometry) });
  $("event-count").textContent = `${data.total} event(s), highest score first`;
  const list = $("event-list");
  list.replaceChildren();
  for (const f of data.features.slice(0, 200)) {
    const p = f.properties;
    const item = text("li", `${p.score.toFixed(2)} ${p.event_type} · MMSI ${p.mmsi}${p.other_mmsi ? " + " + p.other_mmsi : ""} · ${p.start_time.slice(0, 16)}`);
    item.className = "event-item"; item.dataset.eventId = p.event_id;
    if (p.listed_any) item.append(text("b", " · listed party", "band-critical"));
    item.addEventListener("click", () => openEvent(p.event_id));
    list.append(item);
  }
  const points = data.features.filter((f) => f.geometry).map((f) => f.geometry.coordinates);
  if (points.length) {
    const lons = points.map((p) => p[0]), lats = points.map((p) => p[1]);
    map.fitBounds([[Math.min(...lons) - 0.5, Math.min(...lats) - 0.5], [Math.max(...lons) + 0.5, Math.max(...lats) + 0.5]], { duration: 0, maxZoom: 9 });
  }
}

async function loadOverviewTracks() {
  const top = await json("/api/vessels?limit=5");
  const features = [];
  for (const v of top) features.push(...(await json(`/api/vessels/${v.mmsi}/track?zoom=${Math.round(map.getZoom())}`)).features);
  map.getSource("tracks").setData({ type: "FeatureCollection", features });
}

async function openEvent(eventId) {
  const detail = await json(`/api/events/${eventId}`);
  selected = detail;
  map.getSource("tracks").setData(empty()); // the event's two vessels, nothing else
  const p = detail.feature.properties;
  const box = $("event-detail");
  box.replaceChildren(text("h3", `${p.event_type} · score ${p.score.toFixed(2)}`), text("p", p.reason),
    text("p", `${p.start_time} → ${p.end_time} (${p.duration_h.toFixed(1)} h); ${detail.evidence.positions} supporting record(s) from ${detail.evidence.sources.length} file(s)`, "meta"));
  for (const party of p.listed || []) box.append(text("p", `MMSI ${party.mmsi} listed: ${party.list} ${party.entry_name} (${party.score})`, "band-critical"));
  for (const mmsi of Object.keys(detail.tracks)) {
    const link = text("button", `vessel ${mmsi}`); link.type = "button";
    link.addEventListener("click", () => showVessel(Number(mmsi)));
    box.append(link);
  }
  box.dataset.eventId = eventId;
  $("event-panel").hidden = false;
  $("slider").value = 1000;
  drawParties();
  if (detail.feature.geometry) map.flyTo({ center: detail.feature.geometry.coordinates, zoom: 9, duration: 0 });
}

function drawParties() {
  if (!selected) return;
  const times = Object.values(selected.tracks).flat().map((p) => p[2]);
  if (!times.length) return;
  const first = Math.min(...times), last = Math.max(...times);
  const now = first + (last - first) * Number($("slider").value) / 1000;
  $("slider-time").textContent = new Date(now * 1000).toISOString().slice(0, 16) + " UTC";
  const features = [];
  Object.entries(selected.tracks).forEach(([mmsi, points], i) => {
    const upto = points.filter((p) => p[2] <= now);
    const colour = PARTY_COLOURS[i % 2];
    if (upto.length > 1) features.push({ type: "Feature", properties: { mmsi, colour }, geometry: { type: "LineString", coordinates: upto.map((p) => [p[0], p[1]]) } });
    if (upto.length) features.push({ type: "Feature", properties: { mmsi, colour }, geometry: { type: "Point", coordinates: upto[upto.length - 1].slice(0, 2) } });
  });
  map.getSource("party-tracks").setData({ type: "FeatureCollection", features });
  $("event-panel").dataset.parties = String(features.length); // what is drawn, for tests and screen readers
}

async function loadAlerts() {
  const rows = await json(`/api/alerts${$("alerts-all").checked ? "?all=true" : ""}`);
  const list = $("alert-list");
  list.replaceChildren();
  for (const a of rows) {
    const item = document.createElement("li");
    item.className = "alert-item"; item.dataset.alertId = a.alert_id;
    item.append(text("b", `${Math.round(a.risk_score)} ${a.band}`, `band-${a.band}`), text("span", ` ${a.name || ""} MMSI ${a.mmsi} · `),
      text("span", a.state, "alert-state"), text("div", a.reasons.join(" · "), "meta"));
    for (const status of ["reviewed", "dismissed", "escalated"]) {
      const button = text("button", status); button.type = "button"; button.dataset.status = status;
      button.addEventListener("click", () => decide(a.alert_id, status));
      item.append(button);
    }
    list.append(item);
  }
  if (!rows.length) list.append(text("li", "no open alert"));
  list.dataset.generation = String(Number(list.dataset.generation || 0) + 1); // a fresh render, for tests
}

async function decide(alertId, status) {
  const note = $("alert-note").value.trim() || `${status} in the web map`;
  try {
    const row = await json(`/api/alerts/${alertId}`, { method: "POST", body: JSON.stringify({ status, note }) });
    const item = document.querySelector(`.alert-item[data-alert-id="${alertId}"] .alert-state`);
    if (item) item.textContent = row.state;
  } catch (error) { alert(`Could not set the status: ${error.message}`); }
}

async function screen(event) {
  event.preventDefault();
  const body = { name: $("screen-name").value || null, type: $("screen-type").value || null,
    imo: $("screen-imo").value ? Number($("screen-imo").value) : null, mmsi: $("screen-mmsi").value ? Number($("screen-mmsi").value) : null,
    country: $("screen-country").value || null };
  const list = $("screen-results");
  list.replaceChildren();
  try {
    const matches = await json("/api/screen", { method: "POST", body: JSON.stringify(body) });
    for (const m of matches) {
      const item = text("li", `${m.score.toFixed(2)} ${m.list} ${m.entry_id} ${m.entry_name} (${m.programs.join(", ")})`);
      for (const part of m.explanation) item.append(text("div", `${part.points >= 0 ? "+" : ""}${part.points.toFixed(2)} ${part.feature}: ${part.detail}`, "meta"));
      list.append(item);
    }
    if (!matches.length) list.append(text("li", "no match"));
  } catch (error) { list.append(text("li", error.message, "error")); }
}

async function findVessel(event) {
  event.preventDefault();
  const q = $("vessel-q").value.trim();
  const param = /^\d{9}$/.test(q) ? `mmsi=${q}` : /^\d{7}$/.test(q) ? `imo=${q}` : `q=${encodeURIComponent(q)}`;
  const rows = await json(`/api/vessels?${param}`);
  const list = $("vessel-results");
  list.replaceChildren();
  for (const v of rows) {
    const item = text("li", `${Math.round(v.risk_score)} ${v.band} · ${v.name || "unnamed"} · MMSI ${v.mmsi}`);
    item.addEventListener("click", () => showVessel(v.mmsi));
    list.append(item);
  }
}

async function showVessel(mmsi) {
  tab("vessel");
  const v = await json(`/api/vessels/${mmsi}`);
  const box = $("vessel-profile");
  box.replaceChildren(text("h3", `${v.name || "unnamed"} · MMSI ${v.mmsi}${v.imo ? " · IMO " + v.imo : ""}`),
    text("p", `risk ${Math.round(v.risk.risk_score)} (${v.risk.band}) · flag ${(v.flag || "?").toUpperCase()} · ${v.events} event(s)`, `band-${v.risk.band}`));
  const history = document.createElement("ol");
  for (const h of v.identity_history) history.append(text("li", `${h.name || "unnamed"}${h.imo ? " · IMO " + h.imo : ""}${h.callsign ? " · " + h.callsign : ""} · ${h.flag} · ${h.first.slice(0, 10)} → ${h.last.slice(0, 10)}`));
  box.append(text("b", "identity history"), history);
  const reasons = document.createElement("ol");
  for (const f of v.risk.findings) reasons.append(text("li", `+${f.points} ${f.feature}: ${f.reason}`));
  box.append(text("b", "risk reasons"), reasons, text("b", "list matches"));
  for (const m of v.matches) box.append(text("div", `${m.score.toFixed(2)} ${m.list_name} ${m.entry_id} ${m.entry_name} · ${m.explanation.map((p) => p.feature).join(", ")}`));
  if (!v.matches.length) box.append(text("div", "none", "meta"));
  for (const kind of ["html", "pdf"]) {
    const button = text("button", `case file (${kind.toUpperCase()})`); button.type = "button";
    button.addEventListener("click", () => openCase(mmsi, kind));
    box.append(button);
  }
  const track = await json(`/api/vessels/${mmsi}/track?zoom=${Math.round(map.getZoom())}`);
  map.getSource("tracks").setData(track);
}

async function openCase(mmsi, kind) {
  const blob = await (await api(`/api/vessels/${mmsi}/case.${kind}`)).blob();
  window.open(URL.createObjectURL(blob), "_blank");
}

function tab(name) {
  for (const b of document.querySelectorAll("#side nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
  if (name === "alerts" && map) loadAlerts();
}

async function loadEventTypes() {
  eventTypes = await json("/api/event-types");
  for (const t of eventTypes) {
    const label = document.createElement("label");
    const box = document.createElement("input"); box.type = "checkbox"; box.value = t.name; box.checked = true;
    label.append(box, ` ${t.label}`); $("types").append(label);
  }
}

function init() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("filters").addEventListener("submit", loadEvents);
  $("min-score").addEventListener("input", () => { $("min-score-out").textContent = $("min-score").value; });
  $("slider").addEventListener("input", drawParties);
  $("alerts-all").addEventListener("change", loadAlerts);
  $("screen-form").addEventListener("submit", screen);
  $("vessel-search").addEventListener("submit", findVessel);
  for (const b of document.querySelectorAll("#side nav button")) b.addEventListener("click", () => tab(b.dataset.tab));
  if (key) signIn();
}

init();
