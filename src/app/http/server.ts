/**
 * The App's HTTP server, in place of Probot's `Server`: `GET /ping` first (never queued behind
 * webhook work), then the webhook endpoint ({@link createWebhookIngress}), then the routes the App
 * function added with Probot's `addHandler` (in the order added), then 404. A request declaring a
 * body over the limit is refused (413) on any path before any handler sees it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ApplicationFunctionOptions } from "probot";
import {
  answer,
  closeWithoutReading,
  createWebhookIngress,
  declaredLength,
  type IngressOptions,
  type WebhookIngress,
} from "./ingress.js";
import { headerToken } from "./safe-log.js";

/** A route, as Probot's `addHandler` takes it: true when it answered the request. */
export type RouteHandler = Parameters<ApplicationFunctionOptions["addHandler"]>[0];

export type AppServerOptions = IngressOptions;

export class AppServer {
  readonly http: Server;
  readonly ingress: WebhookIngress;
  readonly #routes: RouteHandler[] = [];
  readonly #log: Logger;
  readonly #maxBodyBytes: number;

  constructor(options: AppServerOptions) {
    this.#log = options.log;
    this.#maxBodyBytes = options.maxBodyBytes;
    this.ingress = createWebhookIngress(options);
    this.http = createServer({
      // Backstops behind the ingress's own deadline, for every path: headers must arrive within the
      // body timeout, and the whole request soon after.
      headersTimeout: options.bodyTimeoutMs,
      requestTimeout: options.bodyTimeoutMs + 5_000,
      connectionsCheckingInterval: 1_000,
    });
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.http.on("request", onRequest);
    // With a listener here, Node no longer answers `Expect: 100-continue` itself: the ingress sends
    // `100 Continue` only once the headers are accepted, so an oversized body is refused unsent.
    this.http.on("checkContinue", onRequest);
  }

  /** Probot's `addHandler`: routes the App function mounts (`/rules/<id>`, `/metrics`, …). */
  addHandler(handler: RouteHandler): void {
    this.#routes.push(handler);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/ping") {
        res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
        return;
      }
      const declared = declaredLength(req);
      if (declared !== undefined && declared > this.#maxBodyBytes) {
        if (await this.ingress.handle(req, res)) return; // the webhook path logs its own refusals
        closeWithoutReading(req, 1_000);
        answer(res, 413, `the body is ${declared} bytes; the limit is ${this.#maxBodyBytes}`, {
          connection: "close",
        });
        return;
      }
      if (await this.ingress.handle(req, res)) return;
      if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
      for (const route of this.#routes) if (await route(req, res)) return;
      if (!res.headersSent) res.writeHead(404).end();
    } catch (error) {
      this.#log.error(
        { err: error, method: headerToken(req.method), path: headerToken((req.url ?? "").split("?")[0]) },
        "request failed",
      );
      if (!res.headersSent) answer(res, 500, "internal error");
      else res.destroy();
    }
  }

  /** Listens; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE")
          error.message = `port ${port} is already in use: set PORT to another one (${error.message})`;
        reject(error);
      };
      this.http.once("error", onError);
      this.http.listen({ port, host }, () => {
        this.http.off("error", onError);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and closes idle ones; resolves when the last one has closed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.http.listening) return resolve();
      this.http.close((error) => (error ? reject(error) : resolve()));
      this.http.closeIdleConnections();
    });
  }
}
