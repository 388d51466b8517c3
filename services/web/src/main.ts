import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { takeKeyFromFragment } from "./lib/session.svelte";
import { startRouter } from "./lib/router.svelte";

// Before anything else: the key must leave the address bar at once.
takeKeyFromFragment();
startRouter();

const target = document.getElementById("app");
if (!target) throw new Error("No #app element");
export default mount(App, { target });
