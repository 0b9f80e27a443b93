// Bosun web UI: the one script of its own. The server renders every time as UTC (it does not know the reader's zone);
// this shows each <time data-local> in the browser's time zone on hover (its title), with the UTC time after it, and
// keeps doing so as the live pages re-render.
(() => {
    "use strict";
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
    const parts = new Intl.DateTimeFormat("en-CA", {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
        hourCycle: "h23", timeZoneName: "short",
    });
    const pad = (n) => String(n).padStart(2, "0");

    function localText(date) {
        const p = Object.fromEntries(parts.formatToParts(date).map((part) => [part.type, part.value]));
        return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName} (${zone})`;
    }

    function utcText(date) {
        return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
    }

    function localize(element) {
        const date = new Date(element.getAttribute("datetime"));
        if (Number.isNaN(date.getTime())) {
            return;
        }

        const title = `${localText(date)} · ${utcText(date)}`;
        if (element.title !== title) {
            element.title = title;
        }
    }

    function localizeAll() {
        document.querySelectorAll("time[data-local][datetime]").forEach(localize);
    }

    let pending = false;
    const observer = new MutationObserver(() => {
        if (!pending) {
            pending = true;
            queueMicrotask(() => {
                pending = false;
                localizeAll();
            });
        }
    });
    observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["datetime", "title"] });
    localizeAll();
})();
