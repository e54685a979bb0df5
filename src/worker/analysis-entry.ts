// A worker of the App's analysis pool: runs one scan's pure analysis per message.
import { analyse } from "./analysis-task.js";
import { serveTask } from "./serve.js";

serveTask(analyse);
