package server

// PageKeys exposes the catalog keys of the server's own pages to tests.
var PageKeys = pageKeyList
