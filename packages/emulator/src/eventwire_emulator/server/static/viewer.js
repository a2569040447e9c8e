// The data viewer: polls the emulator's /viewer/api and renders streams, shards and
// records. Records are untrusted, so every value enters the page as a text node.
"use strict";

const params = new URLSearchParams(window.location.search);
const state = {
  stream: params.get("stream"),
  shard: params.get("shard"),
  interval: Math.max(250, Number(params.get("interval")) || 1000),
  limit: Math.min(200, Math.max(1, Number(params.get("limit")) || 50)),
  lastRecords: "",
  view: ["shard", "stream"].includes(params.get("view")) ? params.get("view") : "newest",
  key: params.get("key") || "",
  type: params.get("type") || "",
  pages: [null], // the "after" cursor of each page shown so far; the last is the current one
  next: null, // the cursor of the page after the current one, from the server
  pageDirty: true,
};

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child); // strings become text nodes
  }
  return node;
}

function shortKey(text) {
  return text.length > 12 ? `${text.slice(0, 6)}…${text.slice(-4)}` : text;
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  const document = await response.json();
  if (!response.ok) throw new Error(`${document.__type || response.status}: ${document.message || ""}`);
  return document;
}

function pickDefault(streams) {
  const stream = streams.find((s) => s.name === state.stream) || streams[0];
  if (!stream) return;
  if (stream.name !== state.stream || !stream.shards.some((s) => s.shardId === state.shard)) {
    state.stream = stream.name;
    const withRecords = stream.shards.find((s) => s.records > 0 && s.open);
    state.shard = (withRecords || stream.shards.find((s) => s.open) || stream.shards[0] || {}).shardId || null;
  }
}

function renderStreams(streams) {
  const nav = document.getElementById("streams");
  if (streams.length === 0) {
    nav.replaceChildren(el("p", "muted", "No streams yet."));
    return;
  }
  const blocks = streams.map((stream) => {
    const head = el("tr", null, el("th", null, "Shard"), el("th", null, "Hash key range"),
      el("th", null, "State"), el("th", "num", "Records"));
    const rows = stream.shards.map((shard) => {
      const range = el("td", "range", `${shortKey(shard.startingHashKey)} – ${shortKey(shard.endingHashKey)}`);
      range.title = `${shard.startingHashKey} – ${shard.endingHashKey}`;
      const lineage = [shard.parentShardId, shard.adjacentParentShardId].filter(Boolean).join(" + ");
      const name = el("td", null, shard.shardId);
      if (lineage) name.title = `parent: ${lineage}`;
      const row = el("tr", "shard", name, range,
        el("td", null, el("span", `badge ${shard.open ? "open" : "closed"}`, shard.open ? "open" : "closed")),
        el("td", "num", String(shard.records)));
      if (stream.name === state.stream && shard.shardId === state.shard) row.classList.add("selected");
      row.addEventListener("click", () => {
        state.stream = stream.name;
        state.shard = shard.shardId;
        state.lastRecords = "";
        restartPaging();
        refresh();
      });
      return row;
    });
    return el("div", "stream",
      el("h2", null, stream.name),
      el("div", "arn muted", `${stream.mode} · ${stream.status} · ${stream.arn}`),
      el("table", null, el("thead", null, head), el("tbody", null, ...rows)));
  });
  nav.replaceChildren(...blocks);
}

function eventType(record) {
  if (record.kind !== "cloudevent") return null;
  try {
    return JSON.parse(record.text).type;
  } catch (error) {
    return null; // cut short: too long to parse; the summary still starts with the type
  }
}

function passes(record) {
  if (state.key && record.partitionKey !== state.key) return false;
  return !state.type || eventType(record) === state.type;
}

function recordLink(stream, shardId, record) {
  const query = new URLSearchParams({ stream, shard: shardId, sequence: record.sequenceNumber });
  return `/viewer/api/record?${query}`;
}

async function copyRecord(href) {
  const status = document.getElementById("copy-status");
  try {
    const text = JSON.stringify(await getJson(href), null, 2);
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      // No clipboard permission (an unfocused or headless page): the older copy command.
      const area = el("textarea", null, text);
      document.body.append(area);
      area.select();
      const copied = document.execCommand("copy");
      area.remove();
      if (!copied) throw new Error("the browser refused to copy; open the JSON link instead");
    }
    status.className = "muted";
    status.replaceChildren("copied record JSON");
  } catch (error) {
    status.className = "error";
    status.replaceChildren(`copy failed: ${error.message}`);
  }
}

function renderList(stream, records, meta) {
  document.getElementById("records-meta").replaceChildren(meta);
  const items = records.map((record) => {
    const shardId = record.shardId || state.shard;
    const href = recordLink(stream, shardId, record);
    const link = el("a", "record-json", "JSON");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener";
    const copy = el("button", "copy", "Copy JSON");
    copy.type = "button";
    copy.addEventListener("click", () => copyRecord(href));
    return el("li", "record",
      el("div", "head",
        el("span", `badge ${record.kind}`, record.kind),
        el("span", null, el("b", null, "Partition key "), record.partitionKey),
        record.shardId ? el("span", null, el("b", null, "Shard "), record.shardId) : null,
        el("span", null, el("b", null, "Sequence "), record.sequenceNumber),
        el("span", null, el("b", null, "Arrived "), record.arrival),
        el("span", null, el("b", null, "Size "), `${record.size} B`),
        el("span", "actions", link, copy)),
      el("div", "summary", record.summary),
      el("pre", null, record.text));
  });
  document.getElementById("record-list").replaceChildren(...items);
}

function renderRecords(data) {
  const records = (data.records || []).filter(passes);
  const key = JSON.stringify([data.stream, data.shardId, data.count, state.key, state.type,
    data.records && data.records.length ? data.records[0].sequenceNumber : ""]);
  if (key === state.lastRecords) return;
  state.lastRecords = key;
  document.getElementById("records-title").replaceChildren(`${data.stream} / ${data.shardId}`);
  const filtered = state.key || state.type ? `, ${records.length} match the filters` : "";
  renderList(data.stream, records,
    `${data.count} records; newest ${data.records.length} shown, newest first${filtered}`);
}

function restartPaging() {
  state.pages = [null];
  state.next = null;
  state.pageDirty = true;
}

function renderPage(data) {
  const number = state.pages.length;
  const where = data.shardId ? `${data.stream} / ${data.shardId}` : `${data.stream} (all shards, by arrival)`;
  document.getElementById("records-title").replaceChildren(where);
  renderList(data.stream, data.records,
    `page ${number}: ${data.records.length} records, oldest first` +
    (data.next ? "" : "; no more records after these"));
}

async function loadPage() {
  const query = new URLSearchParams({ stream: state.stream, limit: String(state.limit) });
  if (state.view === "shard") query.set("shard", state.shard);
  if (state.key) query.set("key", state.key);
  if (state.type) query.set("type", state.type);
  const after = state.pages[state.pages.length - 1];
  if (after) query.set("after", after);
  const data = await getJson(`/viewer/api/page?${query}`);
  state.next = data.next;
  state.pageDirty = false;
  state.lastRecords = "";
  renderPage(data);
}

function updatePager() {
  const paged = state.view !== "newest";
  document.querySelector(".pager").hidden = !paged;
  document.getElementById("page-prev").disabled = state.pages.length <= 1;
  document.getElementById("page-first").disabled = state.pages.length <= 1;
  document.getElementById("page-next").disabled = !state.next;
}

let timer = null;
async function refresh() {
  clearTimeout(timer);
  const status = document.getElementById("status");
  if (!document.getElementById("paused").checked) {
    try {
      const { streams } = await getJson("/viewer/api/streams");
      pickDefault(streams);
      renderStreams(streams);
      if (state.view !== "newest" && state.stream && (state.shard || state.view === "stream")) {
        if (state.pageDirty) await loadPage();
      } else if (state.stream && state.shard) {
        const query = new URLSearchParams({ stream: state.stream, shard: state.shard, limit: String(state.limit) });
        renderRecords(await getJson(`/viewer/api/records?${query}`));
      }
      updatePager();
      status.className = "muted";
      status.replaceChildren(`updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      status.className = "error";
      status.replaceChildren(`refresh failed: ${error.message}`);
    }
  }
  timer = setTimeout(refresh, state.interval);
}

function setUp() {
  const view = document.getElementById("view");
  const key = document.getElementById("filter-key");
  const type = document.getElementById("filter-type");
  view.value = state.view;
  key.value = state.key;
  type.value = state.type;
  const apply = () => {
    state.view = view.value;
    state.key = key.value.trim();
    state.type = type.value.trim();
    state.lastRecords = "";
    restartPaging();
    refresh();
  };
  view.addEventListener("change", apply);
  document.getElementById("toolbar").addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  document.getElementById("page-next").addEventListener("click", () => {
    if (!state.next) return;
    state.pages.push(state.next);
    state.pageDirty = true;
    refresh();
  });
  document.getElementById("page-prev").addEventListener("click", () => {
    if (state.pages.length > 1) state.pages.pop();
    state.pageDirty = true;
    refresh();
  });
  document.getElementById("page-first").addEventListener("click", () => {
    restartPaging();
    refresh();
  });
  refresh();
}

document.addEventListener("DOMContentLoaded", setUp);
