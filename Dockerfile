# syntax=docker/dockerfile:1
# rolecall GitHub App server (Probot). Build: docker build -t rolecall .
# Run and configure: README.md, "Deploy". Linted by test/deploy/dockerfile.test.ts.

# ---- build: install everything, compile TypeScript, then drop the dev dependencies ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (npm run build) would run here, before the sources are in.
# No dependency of rolecall has an install script, so nothing else is skipped.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# prune must not re-run `prepare` either: the build is done and tsc is about to be removed.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime: compiled code, production dependencies, the App manifest, the rule docs ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Files stay owned by root: the server (user node) can read but not modify its own code.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY docs ./docs
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG. The slim image has no curl; Node 24 has fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/app/main.js"]
