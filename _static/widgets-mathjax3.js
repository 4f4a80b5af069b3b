/* The ipywidgets HTML manager (html-manager 1.x) typesets widget labels with the
 * MathJax 2 API, `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`. This book
 * uses MathJax 3, which has no `Hub`, so on any page with both math and widgets the
 * call throws. This shim gives MathJax 3 the one call the widgets need, mapped to
 * `MathJax.typesetPromise`, by watching for the MathJax object to be (re)assigned. */
(function () {
  "use strict";
  function addHub(mj) {
    if (!mj || typeof mj !== "object" || mj.Hub) return;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          var element = Array.isArray(job) ? job[2] : null;
          var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
          ready.then(function () {
            if (typeof mj.typesetPromise === "function") return mj.typesetPromise(element ? [element] : undefined);
          }).catch(function () {});
        });
      },
    };
  }
  var current = window.MathJax;
  addHub(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = value; addHub(value); },
  });
})();
