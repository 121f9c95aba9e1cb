// Schedule a session: checks the form against the policy as it changes, without reloading.
// The page works without this script: the "Check against the policy" button does the same on the server.
(function () {
    "use strict";

    const form = document.querySelector("[data-schedule-form]");
    const status = document.querySelector("[data-check-status]");
    const result = document.querySelector("[data-check-result]");
    if (!form || !status || !result || !window.fetch || !window.Intl) {
        return;
    }
    const timeZone = form.dataset.timeZone;
    const checkUrl = form.dataset.checkUrl;
    const labels = { "met": "Met", "pending": "Pending", "breached": "Breached", "not-applicable": "Not applicable" };
    let sequence = 0;
    let controller = null;
    let timer = null;

    // The zone's offset from UTC, in minutes, at an instant (milliseconds since the epoch).
    function offsetAt(utcMs) {
        const parts = new Intl.DateTimeFormat("en-GB", {
            timeZone: timeZone, hourCycle: "h23",
            year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
        }).formatToParts(new Date(utcMs));
        const get = type => Number(parts.find(p => p.type === type).value);
        const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
        return Math.round((wall - utcMs) / 60000);
    }

    const pad = n => String(n).padStart(2, "0");

    // "2026-12-02" + "10:00" in the school's zone -> "2026-12-02T10:00:00+00:00"; null if the clocks skip that time.
    function toRfc3339(date, time) {
        const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
        const t = /^(\d{2}):(\d{2})/.exec(time);
        if (!d || !t) {
            return null;
        }
        const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
        let offset = offsetAt(wall);
        let utc = wall - offset * 60000;
        const second = offsetAt(utc);
        if (second !== offset) {
            offset = second;
            utc = wall - offset * 60000;
        }
        if (utc + offsetAt(utc) * 60000 !== wall) {
            return null;
        }
        const sign = offset < 0 ? "-" : "+";
        const abs = Math.abs(offset);
        return `${date}T${t[1]}:${t[2]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    }

    const checked = name => [...new Set([...form.querySelectorAll(`input[name="${name}"]:checked`)].map(i => i.value))];

    function say(text, kind) {
        status.textContent = text;
        status.classList.toggle("allowed", kind === "allowed");
        status.classList.toggle("refused", kind === "refused");
    }

    function el(tag, attrs, ...children) {
        const node = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (k === "className") { node.className = v; } else { node.setAttribute(k, v); }
        }
        for (const child of children) {
            node.append(child);
        }
        return node;
    }

    function render(check) {
        const rows = check.clauses.map(c => {
            const findings = c.evidence.length === 0
                ? el("span", { className: "muted" }, "Nothing yet.")
                : el("ul", { className: "findings" }, ...c.evidence.map(e =>
                    el("li", { className: e.passed ? "passed" : "failed" },
                        el("span", { className: "visually-hidden" }, e.passed ? "Passed:" : "Failed:"), " " + e.text)));
            return el("tr", { "data-clause": String(c.clause), className: "status-" + c.status },
                el("th", { scope: "row" }, el("span", { className: "clause-number" }, String(c.clause)), " " + c.title),
                el("td", {}, el("span", { className: "badge badge-" + c.status }, labels[c.status] || c.status)),
                el("td", {}, findings));
        });
        const table = el("table", { className: "clauses", "data-clause-table": "" },
            el("caption", { id: "clause-table-caption", className: "visually-hidden" }, "The verdict on each clause of the video call policy"),
            el("thead", {}, el("tr", {},
                el("th", { scope: "col" }, "Clause"), el("th", { scope: "col" }, "Status"), el("th", { scope: "col" }, "What was found"))),
            el("tbody", {}, ...rows));
        const parts = [];
        if (check.conflicts.length > 0) {
            parts.push(el("ul", { className: "conflicts" }, ...check.conflicts.map(c =>
                el("li", {}, el("strong", {}, c.who), ` (${c.role === "guardian" ? "parent or carer" : c.role}) already has a session at that time.`))));
        }
        // As _ClauseTable.cshtml: a region of its own that scrolls sideways on a narrow screen.
        parts.push(el("div", { className: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "clause-table-caption" }, table));
        result.replaceChildren(...parts);

        const clauses = [...new Set(check.violations.map(v => v.clause))].sort((a, b) => a - b);
        if (check.allowed) {
            say("The policy allows this session.", "allowed");
        } else {
            const text = [];
            if (clauses.length > 0) {
                text.push(`The policy would refuse this session (clause${clauses.length > 1 ? "s" : ""} ${clauses.join(", ")}).`);
            }
            if (check.conflicts.length > 0) {
                text.push("Someone in it is already booked at that time.");
            }
            say(text.join(" "), "refused");
        }
    }

    async function check() {
        const date = form.elements.Date.value;
        const time = form.elements.Time.value;
        const minutes = form.elements.DurationMinutes.value;
        if (!date || !time || !minutes) {
            say("Enter a date, start time and length to check against the policy.");
            return;
        }
        const start = toRfc3339(date, time);
        if (!start) {
            say(`${time} does not happen on that day in ${timeZone}: the clocks go forward. Choose another time.`, "refused");
            return;
        }
        const kind = form.querySelector('input[name="Kind"]:checked');
        const body = {
            teacherId: form.elements.TeacherId.value,
            pupilIds: checked("PupilIds"),
            guardianIds: checked("GuardianIds"),
            kind: kind ? kind.value : "support",
            start: start,
            durationMinutes: Number(minutes)
        };
        if (controller) {
            controller.abort();
        }
        controller = new AbortController();
        const mine = ++sequence;
        say("Checking against the policy…");
        try {
            const response = await fetch(checkUrl, {
                method: "POST",
                credentials: "same-origin",
                headers: { "Content-Type": "application/json", "Accept": "application/json" },
                body: JSON.stringify(body),
                signal: controller.signal
            });
            if (mine !== sequence) {
                return;
            }
            const json = await response.json().catch(() => null);
            if (response.ok && json) {
                render(json);
            } else if (json && json.errors) {
                say(Object.values(json.errors).flat().join(" "), "refused");
            } else {
                say((json && json.detail) || "The check could not be made; use the “Check against the policy” button.", "refused");
            }
        } catch (error) {
            if (error.name !== "AbortError" && mine === sequence) {
                say("The check could not be made; use the “Check against the policy” button.", "refused");
            }
        }
    }

    function soon() {
        clearTimeout(timer);
        timer = setTimeout(check, 300);
    }

    // The "Compliant times" panel, drawn again by the server for the form as it stands, so that it
    // follows the same choices as the check above (the page's own handler, which renders _Slots.cshtml).
    const side = form.querySelector("[data-slots-url]");
    const panel = form.querySelector("[data-slots-panel]");
    let slotsSequence = 0;
    let slotsController = null;
    let slotsTimer = null;

    async function refreshSlots() {
        const query = new URLSearchParams();
        for (const name of ["TeacherId", "Date", "Time", "DurationMinutes"]) {
            query.append(name, form.elements[name].value);
        }
        const kind = form.querySelector('input[name="Kind"]:checked');
        query.append("Kind", kind ? kind.value : "support");
        for (const name of ["PupilIds", "GuardianIds"]) {
            for (const id of checked(name)) {
                query.append(name, id);
            }
        }
        if (slotsController) {
            slotsController.abort();
        }
        slotsController = new AbortController();
        const mine = ++slotsSequence;
        panel.setAttribute("aria-busy", "true");
        try {
            const url = side.dataset.slotsUrl + "&" + query.toString();
            const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, signal: slotsController.signal });
            const html = response.ok ? await response.text() : null;
            if (mine !== slotsSequence) {
                return;
            }
            if (html !== null) {
                const parsed = new DOMParser().parseFromString(html, "text/html");
                panel.replaceChildren(...parsed.body.childNodes);
                markChosen();
            } else {
                panel.replaceChildren(el("p", { className: "hint" }, "The compliant times could not be found; use the “Check against the policy” button."));
            }
        } catch (error) {
            if (error.name !== "AbortError" && mine === slotsSequence) {
                panel.replaceChildren(el("p", { className: "hint" }, "The compliant times could not be found; use the “Check against the policy” button."));
            }
        } finally {
            if (mine === slotsSequence) {
                panel.removeAttribute("aria-busy");
            }
        }
    }

    function slotsSoon() {
        if (!side || !panel) {
            return;
        }
        clearTimeout(slotsTimer);
        slotsTimer = setTimeout(refreshSlots, 300);
    }

    // A parent shared by siblings appears under each of them: keep their boxes in step.
    form.addEventListener("change", event => {
        const input = event.target;
        if (input.name === "GuardianIds") {
            for (const twin of form.querySelectorAll(`input[name="GuardianIds"][value="${CSS.escape(input.value)}"]`)) {
                twin.checked = input.checked;
            }
        }
        soon();
        // The start time alone does not change which times are compliant.
        if (input.name !== "Time") {
            slotsSoon();
        }
    });
    form.addEventListener("input", event => {
        if (event.target.name === "DurationMinutes" || event.target.name === "Time") {
            soon();
        }
        if (event.target.name === "DurationMinutes") {
            slotsSoon();
        }
    });

    // The compliant time that is the date and time in the form, marked as chosen.
    function markChosen() {
        for (const slot of form.querySelectorAll("button.slot")) {
            slot.classList.toggle("slot-chosen", slot.dataset.date === form.elements.Date.value && slot.dataset.time === form.elements.Time.value);
        }
    }
    form.addEventListener("change", event => {
        if (event.target.name === "Date" || event.target.name === "Time") {
            markChosen();
        }
    });

    // A compliant time fills in the date and time here, instead of reloading the page.
    form.addEventListener("click", event => {
        const slot = event.target.closest("button.slot");
        if (!slot) {
            return;
        }
        event.preventDefault();
        form.elements.Date.value = slot.dataset.date;
        form.elements.Time.value = slot.dataset.time;
        markChosen();
        check();
    });
}());
