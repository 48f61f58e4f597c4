# cloudlet's runtime interface client for python3.* functions: speaks the Lambda Runtime
# API at $AWS_LAMBDA_RUNTIME_API, imports the handler from $LAMBDA_TASK_ROOT and reports
# results and errors in the shapes AWS's Python runtime uses. Run by the machine's python3.
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", ".")
DONE_MARK = "\x1ecloudlet-done "
_conn = None


def _request(method, path, body=None, headers=None):
    global _conn
    for attempt in (0, 1):
        if _conn is None:
            _conn = http.client.HTTPConnection(API)
        try:
            _conn.request(method, path, body=body, headers=headers or {})
            resp = _conn.getresponse()
            return resp, resp.read()
        except (ConnectionError, http.client.HTTPException, OSError):
            _conn = None
            if attempt:
                raise


def _error_shape(exc, request_id, error_type=None, message=None):
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if not f.filename.startswith("<")]
    return {
        "errorMessage": message if message is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def _log_error(shape):
    lines = ["[ERROR] %s: %s" % (shape["errorType"], shape["errorMessage"])]
    if shape.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in shape["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def _post(path, payload, headers=None):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    _request("POST", path, data, dict({"Content-Type": "application/json"}, **(headers or {})))


def _init_error(shape):
    _log_error(shape)
    _post("/2018-06-01/runtime/init/error", shape, {"Lambda-Runtime-Function-Error-Type": shape["errorType"]})
    sys.exit(1)


def _load_handler(handler):
    try:
        module_name, func_name = handler.rsplit(".", 1)
    except ValueError as e:
        _init_error({
            "errorMessage": "Bad handler '%s': %s" % (handler, e),
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        })
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        _init_error({
            "errorMessage": "Unable to import module '%s': %s" % (module_name, e),
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })
    except SyntaxError as e:
        _init_error({
            "errorMessage": "Syntax error in module '%s': %s" % (module_name, e),
            "errorType": "Runtime.UserCodeSyntaxError",
            "requestId": "",
            "stackTrace": [],
        })
    except Exception as e:
        _init_error(_error_shape(e, ""))
    func = getattr(module, func_name, None)
    if func is None:
        _init_error({
            "errorMessage": "Handler '%s' missing on module '%s'" % (func_name, module_name),
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        })
    return func


class LambdaContext:
    def __init__(self, request_id, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=None,identity=None])"
            % (self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
               self.memory_limit_in_mb, self.function_version, self.invoked_function_arn)
        )


def _done(request_id):
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, (DONE_MARK + request_id + "\n").encode())


def main():
    sys.path.insert(0, TASK_ROOT)
    os.chdir(TASK_ROOT)
    handler = _load_handler(os.environ["_HANDLER"])
    while True:
        resp, body = _request("GET", "/2018-06-01/runtime/invocation/next")
        if resp.status != 200:
            sys.exit(0)
        request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id", "")
        deadline = int(resp.getheader("Lambda-Runtime-Deadline-Ms", "0") or 0)
        arn = resp.getheader("Lambda-Runtime-Invoked-Function-Arn", "")
        trace = resp.getheader("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            event = None
            shape = {"errorMessage": "Unable to unmarshal input: %s" % e, "errorType": "Runtime.UnmarshalError",
                     "requestId": request_id, "stackTrace": []}
            _log_error(shape)
            _done(request_id)
            _post("/2018-06-01/runtime/invocation/%s/error" % request_id, shape)
            continue
        context = LambdaContext(request_id, deadline, arn)
        try:
            result = handler(event, context)
        except Exception as e:
            shape = _error_shape(e, request_id)
            _log_error(shape)
            _done(request_id)
            _post("/2018-06-01/runtime/invocation/%s/error" % request_id, shape,
                  {"Lambda-Runtime-Function-Error-Type": shape["errorType"]})
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            shape = {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError",
                     "requestId": request_id, "stackTrace": []}
            _log_error(shape)
            _done(request_id)
            _post("/2018-06-01/runtime/invocation/%s/error" % request_id, shape)
            continue
        _done(request_id)
        _post("/2018-06-01/runtime/invocation/%s/response" % request_id, payload)


if __name__ == "__main__":
    try:
        main()
    except (ConnectionError, OSError):
        sys.exit(0)
