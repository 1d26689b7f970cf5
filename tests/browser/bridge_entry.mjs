// The host side of MCP Apps for tests/browser/host.html: ext-apps' AppBridge and its
// postMessage transport, bundled for the browser by rolldown when the test starts.
export { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
