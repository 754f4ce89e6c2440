// @backstage/ui injects modern CSS that jsdom cannot parse (and no test looks at styles).
function styleInject() {}
module.exports = styleInject;
module.exports.default = styleInject;
