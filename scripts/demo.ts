console.log("demo todo")
