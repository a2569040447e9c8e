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

function renderRecords(data) {
  const records = data.records || [];
  const key = JSON.stringify([data.stream, data.shardId, data.count,
    records.length ? records[0].sequenceNumber : ""]);
  if (key === state.lastRecords) return;
  state.lastRecords = key;
  document.getElementById("records-title").replaceChildren(`${data.stream} / ${data.shardId}`);
  document.getElementById("records-meta").replaceChildren(
    `${data.count} records; newest ${records.length} shown, newest first`);
  const items = records.map((record) => el("li", "record",
    el("div", "head",
      el("span", `badge ${record.kind}`, record.kind),
      el("span", null, el("b", null, "Partition key "), record.partitionKey),
      el("span", null, el("b", null, "Sequence "), record.sequenceNumber),
      el("span", null, el("b", null, "Arrived "), record.arrival),
      el("span", null, el("b", null, "Size "), `${record.size} B`)),
    el("div", "summary", record.summary),
    el("pre", null, record.text)));
  document.getElementById("record-list").replaceChildren(...items);
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
      if (state.stream && state.shard) {
        const query = new URLSearchParams({ stream: state.stream, shard: state.shard, limit: String(state.limit) });
        renderRecords(await getJson(`/viewer/api/records?${query}`));
      }
      status.className = "muted";
      status.replaceChildren(`updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      status.className = "error";
      status.replaceChildren(`refresh failed: ${error.message}`);
    }
  }
  timer = setTimeout(refresh, state.interval);
}

document.addEventListener("DOMContentLoaded", refresh);
