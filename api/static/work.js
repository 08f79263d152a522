// The clerk's and the admin's work pages: a new filing, a 征集信息表 import and its result,
// accounts, and removing or replacing a wrong upload on the filing page. Every change goes
// through the JSON API with the session's CSRF token, as app.js does. Plain JavaScript.
"use strict";

(function () {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const NOTICE = "work-notice";

  function csrfToken() {
    const meta = $('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // The service's error as {status, code, message, fields}; any answer that is not JSON
  // is said in words.
  async function failure(response) {
    let error = {};
    try {
      const body = await response.json();
      error = (body && body.error) || {};
    } catch (_) { /* not JSON */ }
    return {
      status: response.status,
      code: error.code || "",
      message: error.message || `请求未能完成（HTTP ${response.status}）`,
      fields: error.fields || [],
    };
  }

  // A request to the API; resolves to the answer's JSON, rejects with `failure(...)`.
  async function send(method, url, body, isForm = false) {
    const headers = { "X-CSRF-Token": csrfToken() };
    if (!isForm && body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers,
        body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
      });
    } catch (_) {
      throw { status: 0, code: "", message: "无法连接服务，请检查网络后重试", fields: [] };
    }
    if (response.status === 401) {
      window.location.reload();
      throw { status: 401, code: "", message: "登录已过期，请重新登录", fields: [] };
    }
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  function show(element, message) {
    if (!element) return;
    element.textContent = message || "";
    element.hidden = !message;
  }

  // A message that survives the reload that redraws the page (kept in this tab only).
  function reloadWith(message) {
    if (message) sessionStorage.setItem(NOTICE, message);
    window.location.reload();
  }

  function showNotice() {
    const text = sessionStorage.getItem(NOTICE);
    const box = $("#work-notice");
    if (!text || !box) return;
    sessionStorage.removeItem(NOTICE);
    box.textContent = text;
    box.hidden = false;
    if (box.classList.contains("work-toast")) window.setTimeout(() => { box.hidden = true; }, 10000);
  }

  function busy(button, on) {
    if (button) button.disabled = on;
  }

  // ------------------------------------------------------------------------- a new filing

  function fieldValue(field) {
    const input = $("input, select", field);
    const raw = input.value.trim();
    if (!raw) return undefined;
    switch (field.dataset.kind) {
      case "bool":
        return raw === "true";
      case "number":
      case "integer": {
        const number = Number(raw.replace(/[,，]/g, ""));
        return Number.isFinite(number) ? number : raw; // the service says what is wrong
      }
      case "datetime":
        return `${raw.length === 16 ? raw + ":00" : raw}+08:00`; // typed in Beijing time
      case "holders":
        return raw.split(/[、；;，,\n]+/).map((s) => s.trim()).filter(Boolean);
      default:
        return raw;
    }
  }

  function filingOf(form) {
    const filing = {
      campaign: $("#f-campaign", form).value,
      bureau: form.dataset.fixedBureau || $("#f-bureau", form).value,
      applicant: {},
      product: {},
    };
    for (const field of $$(".field[data-name]", form)) {
      const value = fieldValue(field);
      if (value === undefined) continue;
      const parts = field.dataset.name.split(".");
      if (parts.length === 1) filing[parts[0]] = value;
      else filing[parts[0]][parts[1]] = value;
    }
    if (!filing.bureau) delete filing.bureau;
    return filing;
  }

  function clearFieldErrors(form) {
    for (const field of $$(".field", form)) {
      field.classList.remove("has-error");
      show($(".field-error", field), "");
      const input = $("input, select", field);
      if (input) input.removeAttribute("aria-invalid");
    }
  }

  function labelOf(field) {
    return $("label", field).textContent.replace("*", "").trim();
  }

  // Each field the service named gets its message beside it; the summary lists them all.
  function showFieldErrors(form, error) {
    const summary = $("#form-summary", form);
    const order = $$(".field[data-path]", form).map((f) => f.dataset.path);
    const place = (p) => (order.includes(p.field) ? order.indexOf(p.field) : order.length);
    const problems = [...error.fields].sort((a, b) => place(a) - place(b)); // the form's order
    if (!problems.length && error.code === "conflict" && error.message.includes("申报编号")) {
      problems.push({ field: "filing_id", message: error.message });
    }
    const lines = [];
    let first = null;
    for (const problem of problems) {
      const field = $(`.field[data-path="${CSS.escape(problem.field)}"]`, form);
      if (!field) {
        lines.push(problem.message);
        continue;
      }
      field.classList.add("has-error");
      show($(".field-error", field), problem.message);
      $("input, select", field).setAttribute("aria-invalid", "true");
      lines.push(`${labelOf(field)}：${problem.message}`);
      first = first || $("input, select", field);
    }
    summary.textContent = "";
    const head = document.createElement("p");
    head.textContent = problems.length
      ? `有 ${problems.length} 处需要修改，未保存：`
      : `未保存：${error.message}`;
    summary.append(head);
    if (problems.length) {
      const list = document.createElement("ul");
      for (const line of lines) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      summary.append(list);
    }
    summary.hidden = false;
    (first || summary).focus();
  }

  function filingForm() {
    const form = $("#filing-form");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $('button[type="submit"]', form);
      clearFieldErrors(form);
      show($("#form-summary", form), "");
      busy(button, true);
      try {
        const created = await send("POST", "/api/filings", filingOf(form));
        window.location.assign(`/filings/${encodeURIComponent(created.id || created.filing_id)}`);
      } catch (error) {
        showFieldErrors(form, error);
        busy(button, false);
      }
    });
  }

  // ------------------------------------------------------------------------- imports

  function importForm() {
    const form = $("#import-form");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("#import-file", form).files[0];
      const error = $("#import-error", form);
      if (!file) {
        show(error, "请选择征集信息表文件（CSV 或 XLSX）");
        return;
      }
      const data = new FormData();
      data.append("file", file);
      data.append("campaign", $("#import-campaign", form).value);
      const button = $('button[type="submit"]', form);
      busy(button, true);
      show(error, "");
      $("#import-progress", form).textContent = "正在上传…";
      try {
        const started = await send("POST", "/api/filings/import", data, true);
        window.location.assign(`/imports/${started.id}`);
      } catch (failed) {
        show(error, `未导入：${failed.message}`);
        $("#import-progress", form).textContent = "";
        busy(button, false);
      }
    });
  }

  const IMPORT_STATES = { queued: "排队等待读取", running: "正在读取", done: "导入完成", failed: "导入失败" };

  // While the table is read the page asks for the import's state each second; once it is
  // done or failed the page is drawn again with the result.
  function watchImport() {
    const page = $("#import");
    if (!page || ["done", "failed"].includes(page.dataset.state)) return;
    const poll = async () => {
      let record;
      try {
        record = await send("GET", `/api/imports/${page.dataset.importId}`);
      } catch (error) {
        $("#import-waiting").textContent = `${error.message}；稍后重试…`;
        window.setTimeout(poll, 3000);
        return;
      }
      page.dataset.state = record.state;
      $("#import-state").textContent = IMPORT_STATES[record.state] || record.state;
      if (record.state === "done" || record.state === "failed") window.location.reload();
      else window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 500);
  }

  // ------------------------------------------------------------------------- accounts

  function usersPage() {
    const page = $("#users");
    if (!page) return;
    const role = $("#u-role");
    const bureauField = $("#u-bureau-field");
    const syncBureau = () => { bureauField.hidden = role.value !== "clerk"; };
    role.addEventListener("change", syncBureau);
    syncBureau();

    const add = $("#add-user");
    add.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        name: $("#u-name").value.trim(),
        role: role.value,
        password: $("#u-password").value,
      };
      if (role.value === "clerk") body.bureau = $("#u-bureau").value || null;
      const error = $("#add-error");
      if (!body.name) return show(error, "请填写用户名");
      if (role.value === "clerk" && !body.bureau) return show(error, "经办人须选择受理单位");
      if (body.password.length < 8) return show(error, "密码至少 8 个字符");
      try {
        const created = await send("POST", "/api/users", body);
        reloadWith(`已新增账户「${created.name}」，可用所设密码登录。接口令牌（只显示这一次，供程序调用）：${created.token}`);
      } catch (failed) {
        show(error, `未新增：${failed.message}`);
      }
    });

    for (const row of $$("tr[data-user]", page)) {
      const name = row.dataset.user;
      const error = $(".form-error", row);
      const form = $(".password-form", row);
      const url = `/api/users/${encodeURIComponent(name)}`;
      row.addEventListener("click", async (event) => {
        const action = event.target.closest("[data-user-action]");
        if (!action) return;
        const what = action.dataset.userAction;
        if (what === "password") {
          form.hidden = false;
          $("input", form).focus();
        } else if (what === "cancel") {
          form.hidden = true;
          show(error, "");
        } else if (what === "deactivate" || what === "activate") {
          busy(action, true);
          try {
            await send("POST", `${url}/active`, { active: what === "activate" });
            reloadWith(what === "activate" ? `已启用账户「${name}」` : `已停用账户「${name}」，其令牌和已登录的页面随即失效`);
          } catch (failed) {
            show(error, failed.message);
            busy(action, false);
          }
        }
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const password = $("input", form).value;
        if (password.length < 8) return show(error, "密码至少 8 个字符");
        try {
          await send("POST", `${url}/password`, { password });
          reloadWith(`已重设「${name}」的密码，其已登录的页面已退出`);
        } catch (failed) {
          show(error, failed.message);
        }
      });
    }
  }

  // ------------------------------------------------------------------------- wrong uploads

  // 删除… / 替换… beside a file on the filing page. When a person decided something on the
  // file, the service lists it (409 confirmation_required): the dialog shows the list and
  // asks again; only 「仍然删除」/「仍然替换」 sends the confirmation, recorded in the history.
  function uploadFixes() {
    const dialog = $("#doc-fix-dialog");
    if (!dialog) return;
    const title = $("#doc-fix-title", dialog);
    const reason = $("#doc-fix-reason", dialog);
    const warning = $("#doc-fix-warning", dialog);
    const error = $(".form-error", dialog);
    const go = $("#doc-fix-go", dialog);
    const picker = $("#doc-replace-input");
    let pending = null; // {kind, id, name, file, confirm}

    function open(kind, item, file) {
      pending = { kind, id: item.dataset.documentId, name: item.dataset.file, file, confirm: false };
      title.textContent = kind === "delete"
        ? `删除「${pending.name}」`
        : `用「${file.name}」替换「${pending.name}」`;
      go.textContent = kind === "delete" ? "删除" : "替换";
      reason.value = "";
      show(warning, "");
      show(error, "");
      dialog.showModal();
      reason.focus();
    }

    async function carryOut() {
      const why = reason.value.trim();
      go.disabled = true;
      try {
        if (pending.kind === "delete") {
          await send("DELETE", `/api/documents/${pending.id}`, { reason: why || null, confirm: pending.confirm });
          sessionStorage.setItem(NOTICE, `已删除「${pending.name}」`);
        } else {
          const data = new FormData();
          data.append("file", pending.file);
          data.append("confirm", String(pending.confirm));
          if (why) data.append("reason", why);
          await send("POST", `/api/documents/${pending.id}/replacement`, data, true);
          sessionStorage.setItem(NOTICE, `已用「${pending.file.name}」替换「${pending.name}」，新文件正在识别`);
        }
        window.location.reload();
      } catch (failed) {
        go.disabled = false;
        if (failed.code === "confirmation_required" && !pending.confirm) {
          pending.confirm = true;
          show(warning, failed.message);
          go.textContent = pending.kind === "delete" ? "仍然删除" : "仍然替换";
          return;
        }
        show(error, failed.message);
      }
    }

    document.addEventListener("click", (event) => {
      const action = event.target.closest("[data-doc-action]");
      if (!action) return;
      const item = action.closest(".doc");
      if (action.dataset.docAction === "delete") open("delete", item);
      else if (action.dataset.docAction === "replace") {
        picker.dataset.for = item.dataset.documentId;
        picker.value = "";
        picker.click();
      }
    });
    picker.addEventListener("change", () => {
      const item = $(`.doc[data-document-id="${CSS.escape(picker.dataset.for || "")}"]`);
      if (item && picker.files[0]) open("replace", item, picker.files[0]);
    });
    $("#doc-fix-form", dialog).addEventListener("submit", (event) => {
      event.preventDefault();
      carryOut();
    });
    $("#doc-fix-cancel", dialog).addEventListener("click", () => dialog.close());
  }

  // 删除、替换文件或更改页面类型…: shows 替换…/删除… beside each file and the page-kind form
  // (kept out of the tab order until asked for, so the keyboard reaches 材料 quickly).
  function fixToggle() {
    const toggle = $("#doc-fix-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      for (const span of $$(".doc-fix")) span.hidden = !open;
      $("#kind-form").hidden = !open;
      if (open) {
        showKindPage();
        const first = $(".doc-fix button");
        if (first) first.focus();
      }
    });
  }

  // The page on show in the viewer: its key ("document-index"), title and kind.
  function pageOnShow() {
    const stage = $(".stage:not([hidden])");
    if (!stage) return null;
    const thumb = $(`.thumb[data-page-key="${CSS.escape(stage.dataset.pageKey)}"]`);
    const kind = thumb ? (Array.from(thumb.classList).find((c) => c.startsWith("kind-")) || "").slice(5) : "";
    return { key: stage.dataset.pageKey, title: stage.dataset.title, kind };
  }

  function showKindPage() {
    const label = $("#kind-page");
    if (!label) return;
    const shown = pageOnShow();
    label.textContent = shown ? shown.title : "请先选择一页";
    $("#kind-go").disabled = !shown;
  }

  // A person overrides the classifier: the document is read again with that page as the kind
  // chosen; the page follows the new job (app.js) and the history records the change.
  function kindForm() {
    const form = $("#kind-form");
    if (!form) return;
    const error = $(".form-error", form);
    document.addEventListener("click", () => window.setTimeout(showKindPage, 0));
    document.addEventListener("keyup", () => window.setTimeout(showKindPage, 0));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const shown = pageOnShow();
      const reason = $("#kind-reason").value.trim();
      if (!shown) return show(error, "请先在左侧选择要更改的页面");
      if (!reason) return show(error, "更改页面类型必须填写理由");
      const [documentId, index] = shown.key.split("-");
      const select = $("#kind-select");
      const label = select.options[select.selectedIndex].textContent;
      $("#kind-go").disabled = true;
      try {
        await send("POST", `/api/documents/${documentId}/pages/${index}/kind`, { kind: select.value, reason });
        sessionStorage.setItem(NOTICE, `已将「${shown.title}」改为${label}，正在重新识别`);
        window.location.reload();
      } catch (failed) {
        $("#kind-go").disabled = false;
        show(error, failed.message);
      }
    });
  }

  // A person turns the page on show when its orientation was found wrong: the document is read
  // again with that page turned so; the preview shows the page as it will be read.
  function turnForm() {
    const dialog = $("#turn-dialog");
    const opener = $("#turn-open");
    if (!dialog || !opener) return;
    const form = $("#turn-form", dialog);
    const error = $(".form-error", form);
    const preview = $("#turn-preview", dialog);
    const chosen = () => Number(($('input[name="turn"]:checked', form) || {}).value || 0);
    const turnPreview = () => { preview.style.transform = `rotate(${chosen()}deg)`; };
    for (const radio of $$('input[name="turn"]', form)) radio.addEventListener("change", turnPreview);
    opener.addEventListener("click", () => {
      const shown = pageOnShow();
      show(error, shown ? "" : "请先在左侧选择要旋转的页面");
      $("#turn-page", dialog).textContent = shown ? shown.title : "未选择";
      const image = shown && $(`.stage[data-page-key="${CSS.escape(shown.key)}"] .page-image`);
      preview.src = image ? image.src : "";
      $("#turn-go", dialog).disabled = !shown;
      turnPreview();
      dialog.showModal();
    });
    $("#turn-cancel", dialog).addEventListener("click", () => dialog.close());
    // r, as the other shortcuts of the page (app.js): the button stays out of the tab order
    document.addEventListener("keydown", (event) => {
      if (event.key !== "r" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest("input, textarea, select, [contenteditable]")) return;
      if ($("dialog[open]")) return;
      event.preventDefault();
      opener.click();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const shown = pageOnShow();
      const reason = $("#turn-reason", form).value.trim();
      if (!shown) return show(error, "请先在左侧选择要旋转的页面");
      if (!reason) return show(error, "旋转页面必须填写理由");
      const [documentId, index] = shown.key.split("-");
      const label = $('input[name="turn"]:checked', form).parentElement.textContent.trim();
      $("#turn-go", dialog).disabled = true;
      try {
        await send("POST", `/api/documents/${documentId}/pages/${index}/turn`, { turn: chosen(), reason });
        reloadWith(`已将「${shown.title}」${label.replace(/^[↺↻]\s*/, "")}，正在重新识别`);
      } catch (failed) {
        $("#turn-go", dialog).disabled = false;
        show(error, failed.message);
      }
    });
  }

  function start() {
    showNotice();
    filingForm();
    importForm();
    watchImport();
    usersPage();
    uploadFixes();
    fixToggle();
    kindForm();
    turnForm();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
