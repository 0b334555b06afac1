// dcc.Upload draws a file input that nothing names; a screen reader would announce it as a bare
// "file" button. Give each one the drop zone's own words, whenever one appears on a page.
(function () {
  function nameUploads() {
    document.querySelectorAll('.upload-zone input[type="file"]:not([aria-label])').forEach(function (input) {
      var zone = input.closest('.upload-zone');
      var words = zone ? zone.textContent.replace(/\s+/g, ' ').trim() : '';
      input.setAttribute('aria-label', words || 'Choose photos to upload');
    });
  }
  new MutationObserver(nameUploads).observe(document.documentElement, {childList: true, subtree: true});
})();
